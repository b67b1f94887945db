using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Devices;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// What Cilium's agent keeps on one node for its BPF programs: the endpoint map (cilium_lxc: each local pod's
/// address and its lxc device) and the node's devices the programs redirect to.
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
    /// The reverse-NAT side of Cilium's conntrack entries for flows this node translated to a backend: each
    /// reply tuple (backend to client) with the frontend (ClusterIP and port) its source goes back to.
    /// </summary>
    public Dictionary<Network.Packets.FiveTuple, (Network.Addressing.Ipv4Address Address, ushort Port)> ReverseNat { get; } = [];

    /// <summary>
    /// Reverse NAT at an endpoint's egress (cil_from_container's conntrack lookup): the reply tuple of a NodePort
    /// flow this node delivered to a local backend, or of a DSR flow it received, with the frontend the reply's
    /// source goes back to, and whether it was DSR (the reply then takes the ordinary path out).
    /// </summary>
    public Dictionary<Network.Packets.FiveTuple, (Network.Addressing.Ipv4Address Address, ushort Port, bool Dsr)> EgressReverseNat { get; } = [];

    /// <summary>Cilium's conntrack entries for the NodePort flows entering this node: the client's tuple and where the flow goes.</summary>
    public Dictionary<Network.Packets.FiveTuple, NodePortFlow> NodePortFlows { get; } = [];

    /// <summary>
    /// The SNAT map's reverse entries (cilium_snat_v4_external): the tuple a backend's reply arrives with (backend
    /// to this node's address and the port the SNAT gave) and the client tuple it is translated back to.
    /// </summary>
    public Dictionary<Network.Packets.FiveTuple, Network.Packets.FiveTuple> SnatReplies { get; } = [];

    /// <summary>The draws of bpf_get_prandom_u32 on this node, for random backend selection.</summary>
    public Engine.Random.RngStream? NodePortRandom { get; set; }
}

/// <summary>A NodePort flow's conntrack state at its entry node: the tuple it leaves with (the backend, and the SNAT's source) and how.</summary>
internal readonly record struct NodePortFlow(Network.Packets.FiveTuple Forwarded, CiliumBackend Backend, bool Dsr);
