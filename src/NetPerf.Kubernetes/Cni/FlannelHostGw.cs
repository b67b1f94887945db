using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// flannel with the host-gw backend: no tunnel; every node routes each other node's pod CIDR via that node's
/// IP on eth0 (<c>10.244.M.0/24 via 192.168.0.M dev eth0</c>). Valid only when all nodes share one L2 segment
/// (the next hop must be on-link): the single-switch fabric guarantees it, and on racks the plugin refuses to be
/// built, as flanneld would fail to add such a route. Pods keep the node's MTU.
/// </summary>
public sealed class FlannelHostGw : FlannelBridge
{
    public static readonly CniPluginKind Descriptor = new()
    {
        Name = "flannel-host-gw",
        Family = "flannel",
        Masquerade = "flanneld --ip-masq (FLANNEL-POSTRTG: MASQUERADE from the pod network to outside it)",
        Ipam = "host-local: the node's pod CIDR (a /24 by default), less network, cni0's gateway and broadcast",
        MaxPodsPerNode = 253,
        SharesNodeRanges = true,
        NodeRangeReserved = 3,
        MtuOverhead = 0,
        NeedsOneL2Segment = true,
        Devices = ["cni0 (bridge)", "veth* (cni0 ports)"],
        PlotColour = "#009E73",
        Create = () => new FlannelHostGw(),
    };

    public override CniPluginKind Kind => Descriptor;

    public override void ConnectNodes(IReadOnlyList<Node> nodes)
    {
        RefuseSeveralSegments(nodes);
        base.ConnectNodes(nodes);
    }

    public override void JoinNode(Node joined, IReadOnlyList<Node> others)
    {
        RefuseSeveralSegments(others);
        base.JoinNode(joined, others);
    }

    protected override void RouteTowards(Node node, Node other) =>
        node.Root.AddRoute(other.PodCidr.ToString(), node.Eth0, via: other.Ip.ToString());

    private static void RefuseSeveralSegments(IReadOnlyList<Node> nodes)
    {
        var segments = nodes.GroupBy(n => n.Subnet).ToList();
        if (segments.Count > 1)
        {
            var where = string.Join("; ", segments.Select(g => $"{g.Key}: {string.Join(", ", g.Select(n => n.Name))}"));
            throw new NotSupportedException(
                $"flannel-host-gw needs every node on one L2 segment (it routes each node's pods via that node's own address, " +
                $"which must be on-link), but the nodes are on {segments.Count} subnets ({where}). " +
                "Use flannel-vxlan, calico-ipip-crosssubnet or calico-vxlan-crosssubnet across racks, or one rack.");
        }
    }
}
