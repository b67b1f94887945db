using NetPerf.Kubernetes.Policy;
using NetPerf.Kubernetes.Services;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// One choice a scenario's <c>cni:</c> may name, with the facts validation, describe, plots and the path matrix
/// read from it instead of re-deriving them from the name; <see cref="Create"/> builds the plugin itself. Each
/// plugin declares its own beside its code; <see cref="CniPlugins"/> lists them all.
/// </summary>
public sealed class CniPluginKind
{
    /// <summary>The word scenario files, results and plots use.</summary>
    public required string Name { get; init; }

    /// <summary>The project (flannel, calico ...): the word a message uses for what the variants of one project share.</summary>
    public required string Family { get; init; }

    /// <summary>How the plugin's IPAM hands out pod addresses, in words (for describe and the pods-per-node error).</summary>
    public required string Ipam { get; init; }

    /// <summary>
    /// The range the plugin's own IPAM hands pod addresses from, when it has one (Weave's IPALLOC_RANGE): kube-proxy's
    /// --cluster-cidr on such a cluster. Null for plugins that take the node's range from the cluster's clusterCidr.
    /// </summary>
    public NetPerf.Network.Addressing.Ipv4Prefix? PodNetwork { get; init; }

    /// <summary>Pods per node that IPAM can address in a /24 node range or wider (the plugin's <see cref="CniPlugin.PodAddress"/> refuses more).</summary>
    public required int MaxPodsPerNode { get; init; }

    /// <summary>
    /// Addresses of the node's pod range (its podCIDR, cluster.nodeCidrMaskSize) that hold no pod when the plugin's
    /// IPAM addresses pods from that range: 3 for host-local (network, the gateway at .1, broadcast; flannel's cni0,
    /// Cilium's cilium_host). 0 when its IPAM has its own blocks (calico-ipam, weave) and the node range bounds nothing.
    /// </summary>
    public int NodeRangeReserved { get; init; }

    /// <summary>
    /// The longest node mask the plugin takes: /30 for host-local (network, gateway, one pod, broadcast); Calico's
    /// a /26, its block (a node's first block is the first /26 of its range, so a longer mask would put two nodes'
    /// first blocks in one). kube-controller-manager itself allows up to 16 bits past the cluster CIDR's length.
    /// </summary>
    public int LongestNodeMask { get; init; } = 30;

    /// <summary>Pods a node can address with node ranges of <paramref name="nodeMask"/> bits: host-local's range less its reserved addresses, at most <see cref="MaxPodsPerNode"/>.</summary>
    public int PodsPerNode(int nodeMask) =>
        NodeRangeReserved == 0 ? MaxPodsPerNode : (int)Math.Min(MaxPodsPerNode, (1L << (32 - Math.Clamp(nodeMask, 1, 32))) - NodeRangeReserved);

    /// <summary>Bytes the plugin takes off the node's MTU for its pods (its encapsulation's headers; 0 when it routes).</summary>
    public required int MtuOverhead { get; init; }

    /// <summary>A pod MTU the plugin sets whatever the node's (Weave's 1376), instead of the node's less <see cref="MtuOverhead"/>.</summary>
    public int? FixedPodMtu { get; init; }

    /// <summary>What enforces NetworkPolicy on its nodes; null when nothing does (the API server still accepts them).</summary>
    public PolicyEngine? Policy { get; init; }

    /// <summary>
    /// How it masquerades pod traffic leaving the cluster network to the node's address, as its stock manifest
    /// turns it on (<see cref="CniPlugin.MasqueradeOutgoing"/> builds it); null where NetPerf does not build it.
    /// </summary>
    public string? Masquerade { get; init; }

    /// <summary>True when the plugin routes pods via the other nodes' own addresses, so every node must be on one L2 segment.</summary>
    public bool NeedsOneL2Segment { get; init; }

    /// <summary>
    /// True when its routes between nodes are exchanged over BGP sessions in Calico's default node-to-node mesh
    /// (BIRD on every node peering with every other), so a cluster of n nodes holds n(n-1)/2 sessions.
    /// </summary>
    public bool BgpMesh { get; init; }

    /// <summary>
    /// True when a cluster's routes towards every other node's pod ranges are held once and built per node on first
    /// use (<see cref="CniPlugin.ConnectNodes"/>): what the scale estimate then counts per node pair is a bit, not a route.
    /// </summary>
    public bool SharesNodeRanges { get; init; }

    /// <summary>The kube-proxy modes it runs beside (<see cref="KubeProxyMode.All"/> unless it says otherwise).</summary>
    public IReadOnlyList<KubeProxyMode> ProxyModes { get; init; } = KubeProxyMode.All;

    /// <summary>The devices it creates on a node, as <c>ip link</c> would list them.</summary>
    public required IReadOnlyList<string> Devices { get; init; }

    /// <summary>Its colour in every plot of every run (a colour of the Okabe-Ito palette the plots use, then of ColorBrewer's Paired once those eight are taken), as #RRGGBB.</summary>
    public required string PlotColour { get; init; }

    /// <summary>A fresh plugin, for one cluster.</summary>
    public required Func<CniPlugin> Create { get; init; }

    public bool EnforcesPolicy => Policy is not null;

    public int PodMtu(int nodeMtu) => FixedPodMtu ?? nodeMtu - MtuOverhead;

    public bool Supports(KubeProxyMode mode) => ProxyModes.Contains(mode);

    public override string ToString() => Name;
}
