namespace NetPerf.Scenarios.Model;

/// <summary>The communication paths of a cluster (ARCHITECTURE.md's table), each a way a request reaches a server pod.</summary>
public enum CommunicationPath
{
    /// <summary>Two containers of one pod: the pod's loopback, no CNI at all.</summary>
    Localhost,

    /// <summary>A pod to a pod on its own node, by pod IP.</summary>
    PodSameNode,

    /// <summary>A pod to a pod on another node, by pod IP.</summary>
    PodCrossNode,

    /// <summary>A pod to a Service's ClusterIP found by its DNS name; the endpoint is on another node.</summary>
    ClusterIp,

    /// <summary>A client outside the cluster to a NodePort of node 1; the endpoint is on node 2.</summary>
    NodePort,

    /// <summary>A client outside the cluster to a LoadBalancer's address: an L4 balancer (LVS-NAT) in front of the NodePorts, round robin over the nodes.</summary>
    LoadBalancer,

    /// <summary>A pod to a headless Service: DNS answers with the pod's IP, then pod to pod across nodes.</summary>
    Headless,
}

public static class CommunicationPaths
{
    public static readonly IReadOnlyList<CommunicationPath> All = Enum.GetValues<CommunicationPath>();

    /// <summary>The name scenario files and results use.</summary>
    public static string Name(this CommunicationPath path) => path switch
    {
        CommunicationPath.Localhost => "localhost",
        CommunicationPath.PodSameNode => "pod-same-node",
        CommunicationPath.PodCrossNode => "pod-cross-node",
        CommunicationPath.ClusterIp => "cluster-ip",
        CommunicationPath.NodePort => "node-port",
        CommunicationPath.LoadBalancer => "load-balancer",
        CommunicationPath.Headless => "headless",
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, null),
    };

    public static IReadOnlyList<string> Names { get; } = All.Select(Name).ToList();

    /// <summary>What a workload runs over when its paths are not given: every path the simulator models.</summary>
    public static readonly IReadOnlyList<CommunicationPath> Default = All;

    public static CommunicationPath Parse(string name) =>
        All.FirstOrDefault(p => p.Name() == name, (CommunicationPath)(-1)) is var p && p >= 0
            ? p
            : throw new ArgumentException($"'{name}' is not a path; paths are: {string.Join(", ", Names)}", nameof(name));
}
