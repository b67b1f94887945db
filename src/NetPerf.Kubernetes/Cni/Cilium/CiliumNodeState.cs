using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Devices;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// What Cilium's agent keeps on one node for its BPF programs: the endpoint map (cilium_lxc: each local pod's
/// address and its lxc device), its conntrack and NAT maps, and the node's devices the programs redirect to.
/// </summary>
internal sealed class CiliumNodeState(Node node, VethDevice ciliumHost, IMetadataTunnel? tunnel)
{
    public Node Node { get; } = node;

    /// <summary>cilium_host: the router address pods route via; its egress program takes what the stack routes to pods.</summary>
    public VethDevice CiliumHost { get; } = ciliumHost;

    /// <summary>cilium_vxlan or cilium_geneve in tunnel mode (collect_md: the programs give each packet its tunnel key); null in native routing.</summary>
    public IMetadataTunnel? Tunnel { get; } = tunnel;

    /// <summary>cilium_lxc: local endpoints by address (a BPF hash map; the packet's lookup is charged in the program's stage).</summary>
    public Dictionary<uint, VethDevice> Endpoints { get; } = [];

    /// <summary>
    /// The node's conntrack and NAT maps (LRU hash maps): every endpoint flow's egress and ingress entries, a
    /// translated flow's frontend, the NodePort flows' entries and the BPF SNAT's mappings.
    /// </summary>
    public required CiliumConntrack Conntrack { get; init; }

    /// <summary>The draws of bpf_get_prandom_u32 on this node, for random backend selection.</summary>
    public Engine.Random.RngStream? NodePortRandom { get; set; }
}

/// <summary>A NodePort flow's conntrack state at its entry node: the tuple it leaves with (the backend, and the SNAT's source) and how.</summary>
internal readonly record struct NodePortFlow(Network.Packets.FiveTuple Forwarded, CiliumBackend Backend, bool Dsr);
