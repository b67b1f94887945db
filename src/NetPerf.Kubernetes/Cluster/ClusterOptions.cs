using NetPerf.Network.Addressing;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Cluster;

/// <summary>The shape of a cluster: how many nodes, their cores and NICs, and the fabric between them.</summary>
public sealed record ClusterOptions
{
    public int Nodes { get; init; } = 3;
    public int CoresPerNode { get; init; } = 4;
    public double LinkGigabits { get; init; } = 10;

    /// <summary>Propagation on each cable between a node and the switch.</summary>
    public SimTime Propagation { get; init; } = SimTime.FromMicroseconds(1);

    /// <summary>
    /// Racks of nodes. 1 (the default) is one L2 switch for every node. More puts each rack on its own switch and
    /// subnet behind a top-of-rack router, the routers joined by a spine (<see cref="Fabric.RackFabric"/>), so
    /// nodes on different racks share no L2 segment: a /24 of <see cref="NodeSubnet"/> a rack, 253 nodes each, as
    /// <see cref="Fabric.RackAddressing"/> numbers them (at most 14 racks in the default /20, 29 in a /19). Nodes are
    /// dealt to racks round robin: node N is in rack ((N - 1) mod Racks) + 1.
    /// </summary>
    public int Racks { get; init; } = 1;

    /// <summary>
    /// With racks, the spines every ToR is cabled to (1 to <see cref="Fabric.RackAddressing.MaxSpines"/>): flows
    /// between racks are spread over them by each ToR's ECMP hash of the 5-tuple (<see cref="Fabric.RackFabric"/>).
    /// </summary>
    public int Spines { get; init; } = 1;

    /// <summary>
    /// With racks, the one-way delay between two racks' nodes on top of the cables' propagation: each rack is a
    /// zone of its own, and half of it is on its uplink to the spine (the spine standing for the network between
    /// the zones), so rack to rack pays it once and within a rack nothing. The outside segment, on the spine, is
    /// half of it from every rack. Zero: racks are one room.
    /// </summary>
    public SimTime InterZoneDelay { get; init; }

    /// <summary>Physical NICs on a switch (the default), or containers on one host's bridge (kind).</summary>
    public ClusterFabric Fabric { get; init; } = ClusterFabric.Switch;

    /// <summary>On kind: net.bridge.bridge-nf-call-iptables on the host's bridge (Docker sets it to 1).</summary>
    public bool BridgeNetfilter { get; init; } = true;

    /// <summary>
    /// The iptables backend on every node: kube-proxy's iptables mode and flannel's rules are
    /// written with it. iptables-nft by default, as current distributions and kube-proxy's image ship.
    /// </summary>
    public IptablesBackend Iptables { get; init; } = IptablesBackend.Nft;

    /// <summary>
    /// The pods' range (kube-controller-manager's --cluster-cidr): node N gets its N-th range of
    /// <see cref="NodeCidrMaskSize"/> bits, the first (index 0) left unused so that node N is 10.244.N.0/24.
    /// </summary>
    public Ipv4Prefix ClusterCidr { get; init; } = Ipv4Prefix.Parse(KubernetesCluster.DefaultClusterCidr);

    /// <summary>Each node's pod range's prefix length (kube-controller-manager's --node-cidr-mask-size; its IPv4 default is 24).</summary>
    public int NodeCidrMaskSize { get; init; } = KubernetesCluster.DefaultNodeCidrMaskSize;

    /// <summary>
    /// The nodes' subnet: on one switch node N is its N-th address; its last /24 is the outside segment (external hosts
    /// from .1, the gateway at .254). 192.168.0.0/20 (3,840 nodes) unless a scenario widens it. With racks, the
    /// fabric is numbered in it (<see cref="Fabric.RackAddressing"/>: the links' /24s, a /24 a rack, the outside /24).
    /// </summary>
    public Ipv4Prefix NodeSubnet { get; init; } = Ipv4Prefix.Parse(KubernetesCluster.DefaultNodeSubnet);

    public int NodeMtu { get; init; } = 1500;
    public CostTable Costs { get; init; } = CostTable.Default();
    public ulong Seed { get; init; } = 1;
}
