using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Routing;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// Calico's VXLAN data plane, as felix programs it: vxlan.calico on each node (VNI 4096, UDP 4789: felix's
/// VXLANVNI and VXLANPort defaults in its configuration reference; MTU 1450, the node's less VXLAN's 50 bytes, as
/// Calico's MTU guide sizes it) holding a tunnel address from the node's block (its first, as for tunl0), and for
/// every other node's block <c>BLOCK via PEER-TUNNEL-ADDR dev vxlan.calico onlink</c>, a permanent neighbour entry
/// for the peer's tunnel address (the peer vxlan.calico's MAC) and an FDB entry sending that MAC to the peer
/// node's IP.
/// </summary>
public sealed partial class CalicoRouted
{
    /// <summary>Felix's VXLANVNI default.</summary>
    public const uint VxlanVni = 4096;

    /// <summary>Felix's VXLANPort default (IANA's VXLAN port, RFC 7348).</summary>
    public const ushort VxlanPort = 4789;

    private readonly Dictionary<Node, VxlanDevice> _vteps = [];
    private readonly Dictionary<Ipv4Address, (Node Node, VxlanDevice Vtep)> _vtepsByNodeIp = [];

    /// <summary>The node's vxlan.calico (calico-vxlan only).</summary>
    public VxlanDevice VxlanCalico(Node node) => _vteps[node];

    private void SetUpVxlan(Node node)
    {
        var vtep = new VxlanDevice(node.Root, "vxlan.calico", VxlanVni, node.Ip, VxlanPort, mtu: PodMtu(node.Eth0.Mtu)) { Df = VxlanDf };
        node.Root.AddAddress(vtep, Block(node).Network, 32);
        _vteps[node] = vtep;
        _vtepsByNodeIp[node.Ip] = (node, vtep);
    }

    /// <summary>Felix's route, ARP and FDB entries for the block of the node at <paramref name="peerIp"/> (protocol 80, felix's own, shown here as boot).</summary>
    private void InstallVxlanRoute(Node node, Ipv4Prefix block, Ipv4Address peerIp)
    {
        var (peer, peerVtep) = _vtepsByNodeIp[peerIp];
        var tunnelAddress = Block(peer).Network;
        var vtep = _vteps[node];
        node.Root.Fib.Replace(new Route(block, RouteType.Unicast, new NextHop(vtep.Index, tunnelAddress, OnLink: true)));
        node.Root.AddNeighbour(tunnelAddress, peerVtep.Mac);
        vtep.AddForwardingEntry(peerVtep.Mac, peerIp);
    }
}
