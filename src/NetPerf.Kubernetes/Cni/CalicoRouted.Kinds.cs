using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Cni;

/// <summary>Calico's pools as scenarios name them: one routed data plane, five encapsulation choices.</summary>
public sealed partial class CalicoRouted
{
    /// <summary>
    /// calico-ipam: /26 blocks affine to the node, claimed from the pool as the node's fill (<see cref="Blocks"/>),
    /// so the kubelet's max-pods bounds a node, not a block (Calico's IPAM docs: "Calico IPAM allocates IP addresses
    /// in blocks ... a host claims additional blocks as needed").
    /// </summary>
    private const string BlockIpam = "calico-ipam: /26 blocks affine to the node, a further block claimed from the pool when the node's are full (each block a route), so the kubelet's max-pods bounds a node";

    /// <summary>
    /// Not a limit of calico-ipam (a node claims blocks until the pool runs out): the most pods the scenario
    /// reader lets any kubelet run (its maxPods cap, what a flannel /24 holds), so the kubelet's max-pods is what
    /// bounds a Calico node.
    /// </summary>
    public const int MaxPodsOnANode = 253;

    /// <summary>felix renders policies into iptables chains walked for a connection's first packet (<see cref="CalicoPolicyRules"/>).</summary>
    private static readonly PolicyEngine Felix = new("felix (iptables: cali-fw-*/cali-tw-* chains per endpoint)", c => new CalicoPolicyRules(c));

    private static readonly CniPluginKind Bgp = Pool("calico-bgp", 0, "#D55E00", [], () => new CalicoRouted(ipip: false), bgpMesh: true);

    private static readonly CniPluginKind IpipAlways = Pool("calico-ipip", HeaderSizes.IpIpOverhead, "#CC79A7", ["tunl0 (ipip)"], () => new CalicoRouted(ipip: true), bgpMesh: true);

    private static readonly CniPluginKind VxlanAlways = Pool("calico-vxlan", HeaderSizes.VxlanOverhead, "#56B4E9", [$"vxlan.calico (vxlan id {VxlanVni} dstport {VxlanPort})"], () => new CalicoRouted(CalicoEncapsulation.Vxlan));

    // Pods get the tunnel's MTU whenever the pool encapsulates at all, CrossSubnet too (Calico sizes it for the worst path).
    private static readonly CniPluginKind IpipCrossSubnet = Pool("calico-ipip-crosssubnet", HeaderSizes.IpIpOverhead, "#E69F00", ["tunl0 (ipip)"],
        () => new CalicoRouted(CalicoEncapsulation.Ipip, CalicoEncapsulationMode.CrossSubnet), bgpMesh: true);

    private static readonly CniPluginKind VxlanCrossSubnet = Pool("calico-vxlan-crosssubnet", HeaderSizes.VxlanOverhead, "#000000", [$"vxlan.calico (vxlan id {VxlanVni} dstport {VxlanPort})"],
        () => new CalicoRouted(CalicoEncapsulation.Vxlan, CalicoEncapsulationMode.CrossSubnet));

    /// <summary>Calico's kinds, in the order the registry lists them.</summary>
    public static IReadOnlyList<CniPluginKind> Descriptors { get; } = [Bgp, IpipAlways, VxlanAlways, IpipCrossSubnet, VxlanCrossSubnet];

    /// <param name="bgpMesh">BIRD exchanges the blocks' routes (calico_backend: bird); the VXLAN pools' routes are felix's, no BGP.</param>
    private static CniPluginKind Pool(string name, int overhead, string colour, IReadOnlyList<string> tunnel, Func<CniPlugin> create, bool bgpMesh = false) => new()
    {
        Name = name,
        BgpMesh = bgpMesh,
        SharesNodeRanges = true, // the workloads' clusters install the converged routes (CalicoRouting.Static)
        Family = "calico",
        Masquerade = "the IP pool's natOutgoing (felix's cali-nat-outgoing: MASQUERADE from the pool to outside every pool)",
        Ipam = BlockIpam,
        MaxPodsPerNode = MaxPodsOnANode,
        LongestNodeMask = BlockLength,
        MtuOverhead = overhead,
        Policy = Felix,
        Devices = ["cali* (veth, proxy ARP for 169.254.1.1)", .. tunnel],
        PlotColour = colour,
        Create = create,
    };
}
