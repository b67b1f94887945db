using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// A Service: a virtual IP and port in front of the pods its selector matches (their EndpointSlice), each
/// reached on the target port; with a <see cref="NodePort"/>, also that port on every node's addresses.
/// </summary>
public sealed record Service(string Name, Ipv4Address ClusterIp, ushort Port, ushort TargetPort, IpProtocol Protocol, IReadOnlyDictionary<string, string> Selector)
{
    /// <summary>type: NodePort (30000-32767), or null for ClusterIP only.</summary>
    public ushort? NodePort { get; init; }

    public ExternalTrafficPolicy ExternalTrafficPolicy { get; init; } = ExternalTrafficPolicy.Cluster;

    /// <summary>The pods of the cluster whose labels include every key and value of the selector, in name order.</summary>
    public IReadOnlyList<Pod> Endpoints(KubernetesCluster cluster)
    {
        if (Selector.Count == 0)
        {
            return []; // a Service without a selector has its endpoints managed by hand, not modelled
        }

        var (key, value) = Selector.First();
        return cluster.PodsWithLabel(key, value)
            .Where(p => Selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }
}
