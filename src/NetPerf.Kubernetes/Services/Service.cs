using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// A ClusterIP Service: a virtual IP and port in front of the pods its selector matches (their EndpointSlice),
/// each reached on the target port.
/// </summary>
public sealed record Service(string Name, Ipv4Address ClusterIp, ushort Port, ushort TargetPort, IpProtocol Protocol, IReadOnlyDictionary<string, string> Selector)
{
    /// <summary>The pods of the cluster whose labels include every key and value of the selector, in name order.</summary>
    public IReadOnlyList<Pod> Endpoints(KubernetesCluster cluster) =>
        cluster.Pods.Where(p => Selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
}
