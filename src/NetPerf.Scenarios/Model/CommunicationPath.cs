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

    /// <summary>
    /// A hostNetwork pod on node 1 to a hostNetwork pod on node 2, by node IP: the nodes' own stacks (OUTPUT and
    /// POSTROUTING, eth0, the wire, PREROUTING and INPUT), no veth, no CNI bridge or tunnel.
    /// </summary>
    NodeToNode,

    /// <summary>A hostNetwork pod to a hostNetwork pod on its own node, by the node's IP: a local address, so the kernel delivers it over lo.</summary>
    NodeLocal,

    /// <summary>
    /// A pod (NetPerf's client on node 1) to a server beyond the cluster's edge (198.51.100.10 behind the fabric's
    /// gateway): the node's default route, and its plugin's masquerade to the node's address (flannel --ip-masq,
    /// Calico natOutgoing, Weave's WEAVE chain), kept in the node's conntrack for the replies.
    /// </summary>
    Egress,
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
        CommunicationPath.NodeToNode => "node-to-node",
        CommunicationPath.NodeLocal => "node-local",
        CommunicationPath.Egress => "egress",
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, null),
    };

    public static IReadOnlyList<string> Names { get; } = All.Select(Name).ToList();

    /// <summary>
    /// What a workload runs over when its paths are not given: every path between NetPerf's pods and the outside
    /// client. The host network paths (node-to-node, node-local) are asked for by name: no CNI plugin is on them, so
    /// a comparison of plugins would show the same rows for each; so is egress, which needs a server outside the
    /// cluster that a default run would not have asked for.
    /// </summary>
    public static readonly IReadOnlyList<CommunicationPath> Default = [.. All.Where(p => !p.IsHostNetwork() && p != CommunicationPath.Egress)];

    /// <summary>Whether both ends are hostNetwork pods (the node's own stack, no pod network).</summary>
    public static bool IsHostNetwork(this CommunicationPath path) => path is CommunicationPath.NodeToNode or CommunicationPath.NodeLocal;

    public static CommunicationPath Parse(string name) =>
        All.FirstOrDefault(p => p.Name() == name, (CommunicationPath)(-1)) is var p && p >= 0
            ? p
            : throw new ArgumentException($"'{name}' is not a path; paths are: {string.Join(", ", Names)}", nameof(name));
}
