using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// flannel with the vxlan backend: flannel.1 (VNI 1, UDP 8472) holding the pod CIDR's network address as a
/// /32, and for every other node <c>10.244.M.0/24 via 10.244.M.0 dev flannel.1 onlink</c>, a permanent
/// neighbour entry for 10.244.M.0 (the remote flannel.1's MAC) and an FDB entry sending that MAC to node M's IP.
/// Pods get MTU 1450: the node's MTU less VXLAN's 50 bytes.
/// </summary>
public sealed class FlannelVxlan : FlannelBridge
{
    private readonly Dictionary<Node, VxlanDevice> _vteps = [];

    public static readonly CniPluginKind Descriptor = new()
    {
        Name = "flannel-vxlan",
        Family = "flannel",
        Masquerade = "flanneld --ip-masq (FLANNEL-POSTRTG: MASQUERADE from the pod network to outside it)",
        Ipam = "host-local: the node's pod CIDR (a /24 by default), less network, cni0's gateway and broadcast",
        MaxPodsPerNode = 253,
        SharesNodeRanges = true,
        NodeRangeReserved = 3,
        MtuOverhead = Network.Packets.HeaderSizes.VxlanOverhead,
        Devices = ["cni0 (bridge)", "flannel.1 (vxlan id 1 dstport 8472)", "veth* (cni0 ports)"],
        PlotColour = "#0072B2",
        Create = () => new FlannelVxlan(),
    };

    public override CniPluginKind Kind => Descriptor;

    public override void SetUpNode(Node node)
    {
        base.SetUpNode(node);
        var vtep = new VxlanDevice(node.Root, "flannel.1", vni: 1, node.Ip, mtu: PodMtu(node.Eth0.Mtu)) { Df = VxlanDf };
        node.Root.AddAddress(vtep, node.PodCidr.Network, 32);
        _vteps[node] = vtep;
    }

    protected override void RouteTowards(Node node, Node other)
    {
        node.Root.AddRoute(other.PodCidr.ToString(), _vteps[node], via: other.PodCidr.Network.ToString(), onLink: true);
        node.Root.AddNeighbour(other.PodCidr.Network, _vteps[other].Mac);
        _vteps[node].AddForwardingEntry(_vteps[other].Mac, other.Ip);
    }
}
