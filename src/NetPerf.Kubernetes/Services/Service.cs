using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// A Service: a virtual IP and port in front of the pods its selector matches (their EndpointSlice), each
/// reached on the target port; with a <see cref="NodePort"/>, also that port on every node's addresses; with a
/// <see cref="LoadBalancerIp"/> (type LoadBalancer), also that address, which kube-proxy serves on every node
/// whoever delivers it (a MetalLB speaker, a cloud's network) and an external load balancer may front instead.
/// </summary>
public sealed record Service(string Name, Ipv4Address ClusterIp, ushort Port, ushort TargetPort, IpProtocol Protocol, IReadOnlyDictionary<string, string> Selector)
{
    /// <summary>type: NodePort (30000-32767), or null for ClusterIP only.</summary>
    public ushort? NodePort { get; init; }

    public ExternalTrafficPolicy ExternalTrafficPolicy { get; init; } = ExternalTrafficPolicy.Cluster;

    /// <summary>spec.internalTrafficPolicy: Local keeps cluster traffic on the client's node (<see cref="ServiceTopology"/>).</summary>
    public InternalTrafficPolicy InternalTrafficPolicy { get; init; } = InternalTrafficPolicy.Cluster;

    /// <summary>spec.trafficDistribution: PreferClose keeps cluster traffic in the client's zone when it has an endpoint (<see cref="ServiceTopology"/>).</summary>
    public TrafficDistribution TrafficDistribution { get; init; } = TrafficDistribution.Default;

    /// <summary>
    /// sessionAffinity: ClientIP with sessionAffinityConfig.clientIP.timeoutSeconds: every new connection from one
    /// client address goes to the endpoint its last one went to, while they come within the timeout. Null: None.
    /// </summary>
    public Engine.Time.SimTime? SessionAffinityTimeout { get; init; }

    /// <summary>The API server's default timeoutSeconds for ClientIP affinity: 10800 s, 3 hours (core/v1 DefaultClientIPServiceAffinitySeconds).</summary>
    public static readonly Engine.Time.SimTime DefaultAffinityTimeout = Engine.Time.SimTime.FromSeconds(10800);

    /// <summary>type LoadBalancer: the ingress IP (status.loadBalancer.ingress[0].ip), or null.</summary>
    public Ipv4Address? LoadBalancerIp { get; init; }

    /// <summary>
    /// spec.healthCheckNodePort: with externalTrafficPolicy Local on a LoadBalancer, the port on every node where
    /// kube-proxy answers 200 if the node has a local endpoint and 503 if not (30000-32767, allocated like a NodePort).
    /// </summary>
    public ushort? HealthCheckNodePort { get; init; }

    /// <summary>
    /// A Service without a selector: the pods its hand-written EndpointSlices name (their endpoints' targetRef), in
    /// the order given. kube-proxy programs them as it programs a selector's; nothing updates them as pods change.
    /// </summary>
    public IReadOnlyList<string> ManualEndpoints { get; init; } = [];

    public ServiceType Type => LoadBalancerIp is not null ? ServiceType.LoadBalancer : NodePort is not null ? ServiceType.NodePort : ServiceType.ClusterIP;

    /// <summary>The pods of the cluster whose labels include every key and value of the selector, in name order.</summary>
    public IReadOnlyList<Pod> Endpoints(KubernetesCluster cluster)
    {
        if (Selector.Count == 0)
        {
            // A Service without a selector: its endpoints are what its EndpointSlices list, written by hand.
            return [.. ManualEndpoints.Select(cluster.Pod).Where(p => !p.Deleted)];
        }

        var (key, value) = Selector.First();
        var labelled = cluster.PodsWithLabel(key, value);
        var selected = Selector.Count == 1 // the index's pods carry the one label
            ? new List<Pod>(labelled)
            : [.. labelled.Where(p => Selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))];
        selected.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return selected;
    }
}
