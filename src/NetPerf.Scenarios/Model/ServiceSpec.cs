using NetPerf.Kubernetes.Services;

namespace NetPerf.Scenarios.Model;

public enum ServiceType
{
    ClusterIP,
    NodePort,
    LoadBalancer,
    Headless,
}

/// <summary>
/// Services the scenario adds beside the measured ones (say, a thousand for kube-proxy to walk). With
/// <see cref="Count"/> above 1 the Service is stamped out that many times, name-0, name-1, ...
/// </summary>
public sealed record ServiceSpec(string Name, ServiceType Type, IReadOnlyDictionary<string, string> Selector, ushort Port, ushort TargetPort)
{
    public int Count { get; init; } = 1;
    public ExternalTrafficPolicy ExternalTrafficPolicy { get; init; } = ExternalTrafficPolicy.Cluster;

    /// <summary>The Service port's protocol (TCP, Kubernetes' default, or UDP).</summary>
    public Network.Packets.IpProtocol Protocol { get; init; } = Network.Packets.IpProtocol.Tcp;
}
