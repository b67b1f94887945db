using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Devices;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// What Cilium's agent keeps on one node for its BPF programs: the endpoint map (cilium_lxc: each local pod's
/// address and its lxc device) and the node's devices the programs redirect to.
/// </summary>
internal sealed class CiliumNodeState(Node node, VethDevice ciliumHost, VxlanDevice? tunnel)
{
    public Node Node { get; } = node;

    /// <summary>cilium_host: the router address pods route via; its egress program takes what the stack routes to pods.</summary>
    public VethDevice CiliumHost { get; } = ciliumHost;

    /// <summary>cilium_vxlan in tunnel mode (collect_md: the programs give each packet its tunnel key); null in native routing.</summary>
    public VxlanDevice? Tunnel { get; } = tunnel;

    /// <summary>cilium_lxc: local endpoints by address (a BPF hash map; the packet's lookup is charged in the program's stage).</summary>
    public Dictionary<uint, VethDevice> Endpoints { get; } = [];

    /// <summary>
    /// The reverse-NAT side of Cilium's conntrack entries for flows this node translated to a backend: each
    /// reply tuple (backend to client) with the frontend (ClusterIP and port) its source goes back to.
    /// </summary>
    public Dictionary<Network.Packets.FiveTuple, (Network.Addressing.Ipv4Address Address, ushort Port)> ReverseNat { get; } = [];
}
