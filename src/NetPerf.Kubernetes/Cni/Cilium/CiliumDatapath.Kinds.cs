using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>Cilium's routing modes as scenarios name them: one datapath, three kinds (native, and tunnels of VXLAN and Geneve).</summary>
public sealed partial class CiliumDatapath
{
    private const string Ipam = "kubernetes IPAM: the node's pod CIDR (a /24 by default), less network, cilium_host's router address and broadcast";

    /// <summary>The agent enforces NetworkPolicy itself, by identity, in the endpoints' ingress programs (<see cref="CiliumPolicy"/>).</summary>
    private static readonly Policy.PolicyEngine Agent = new(
        "cilium-agent (identity-based: each selected endpoint's policy map, looked up by the source's security identity and port in its ingress program)",
        c => ((CiliumDatapath)c.Cni).CreatePolicy(c));

    private static readonly IReadOnlyList<string> CommonDevices =
        ["cilium_host / cilium_net (veth; cilium_host holds the router address, tc egress cil_from_host)", "lxc* (veth, tc ingress cil_from_container)", "eth0 (tc ingress cil_from_netdev)"];

    private static readonly CniPluginKind Native = new()
    {
        Name = "cilium-native",
        Family = "cilium",
        Ipam = Ipam,
        MaxPodsPerNode = 253,
        NodeRangeReserved = 3,
        MtuOverhead = 0,
        NeedsOneL2Segment = true,
        Policy = Agent,
        Devices = CommonDevices,
        PlotColour = "#6A3D9A",
        Create = () => new CiliumDatapath(CiliumRouting.Native),
    };

    // Cilium's tunnel overhead is VXLAN's 50 bytes (pkg/mtu: TunnelOverhead), so pods get 1450 on a 1500 MTU.
    private static readonly CniPluginKind Vxlan = new()
    {
        Name = "cilium-vxlan",
        Family = "cilium",
        Ipam = Ipam,
        MaxPodsPerNode = 253,
        NodeRangeReserved = 3,
        MtuOverhead = HeaderSizes.VxlanOverhead,
        Policy = Agent,
        Devices = [.. CommonDevices, $"cilium_vxlan (vxlan external dstport {Network.Devices.VxlanDevice.FlannelPort}, tc ingress cil_from_overlay)"],
        PlotColour = "#B15928",
        Create = () => new CiliumDatapath(CiliumRouting.Vxlan),
    };

    // Geneve's headers without options are as long as VXLAN's (drivers/net/geneve.c GENEVE_IPV4_HLEN), and Cilium
    // takes the one TunnelOverheadIPv4 of 50 bytes for either protocol (pkg/mtu/mtu.go), so pods get 1450 on 1500.
    // Its 12-byte DsrTunnelOverhead comes off only with DSR's Geneve dispatch in high-scale ipcache mode, not built here.
    private static readonly CniPluginKind Geneve = new()
    {
        Name = "cilium-geneve",
        Family = "cilium",
        Ipam = Ipam,
        MaxPodsPerNode = 253,
        NodeRangeReserved = 3,
        MtuOverhead = HeaderSizes.GeneveOverhead,
        Policy = Agent,
        Devices = [.. CommonDevices, $"cilium_geneve (geneve external dstport {Network.Devices.GeneveDevice.DefaultPort}, tc ingress cil_from_overlay)"],
        PlotColour = "#E31A1C",
        Create = () => new CiliumDatapath(CiliumRouting.Geneve),
    };

    /// <summary>Cilium's kinds, in the order the registry lists them.</summary>
    public static IReadOnlyList<CniPluginKind> Descriptors { get; } = [Native, Vxlan, Geneve];
}
