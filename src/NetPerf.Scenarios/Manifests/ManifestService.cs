using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Scenarios.Manifests;

/// <summary>One port of a manifest's Service, its targetPort resolved to a number (a name looked up on the pods it selects).</summary>
public sealed record ManifestServicePort(string? Name, ushort Port, ushort TargetPort, IpProtocol Protocol, ushort? NodePort);

/// <summary>The kinds of Service a manifest may hold that the cluster model builds.</summary>
public enum ManifestServiceType
{
    ClusterIP,
    NodePort,

    /// <summary>Built as its ClusterIP and NodePorts; no load balancer in front (a warning says so).</summary>
    LoadBalancer,

    /// <summary>clusterIP: None: no rules, DNS answers with the endpoints.</summary>
    Headless,
}

/// <summary>
/// A manifest's Service, checked and resolved: its address (given, or allocated from the top of the service CIDR
/// as the API server allocates dynamic addresses, KEP-3070), its ports, and its endpoints: the pods its selector
/// picks in its namespace, or for a Service without a selector the pods its EndpointSlices name.
/// </summary>
public sealed record ManifestService(string Name, string Namespace, ManifestServiceType Type, Ipv4Address ClusterIp,
    IReadOnlyDictionary<string, string> Selector, IReadOnlyList<ManifestServicePort> Ports, ManifestObject At)
{
    public ExternalTrafficPolicy ExternalTrafficPolicy { get; init; } = ExternalTrafficPolicy.Cluster;

    public InternalTrafficPolicy InternalTrafficPolicy { get; init; } = InternalTrafficPolicy.Cluster;

    /// <summary>sessionAffinity: ClientIP's timeout (10800 s unless sessionAffinityConfig gives one); null: None.</summary>
    public Engine.Time.SimTime? SessionAffinityTimeout { get; init; }

    public TrafficDistribution TrafficDistribution { get; init; } = TrafficDistribution.Default;

    /// <summary>A Service without a selector: the cluster names of the pods its EndpointSlices list.</summary>
    public IReadOnlyList<string> ManualEndpoints { get; init; } = [];

    /// <summary>name.namespace.svc.cluster.local, as CoreDNS answers it.</summary>
    public string Fqdn => $"{Name}.{Namespace}.svc.cluster.local";

    /// <summary>The Kubernetes layer's Service for one port (a Service of several ports is one such per port, sharing the address).</summary>
    public Service ForPort(ManifestServicePort p) =>
        new(Ports.Count == 1 ? $"{Namespace}/{Name}" : $"{Namespace}/{Name}:{p.Name ?? p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            ClusterIp, p.Port, p.TargetPort, p.Protocol, Selector)
        {
            NodePort = p.NodePort,
            ExternalTrafficPolicy = ExternalTrafficPolicy,
            InternalTrafficPolicy = InternalTrafficPolicy,
            SessionAffinityTimeout = SessionAffinityTimeout,
            TrafficDistribution = TrafficDistribution,
            ManualEndpoints = ManualEndpoints,
        };
}
