using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// flannel with the host-gw backend: no tunnel; every node routes each other node's pod CIDR via that node's
/// IP on eth0 (<c>10.244.M.0/24 via 192.168.0.M dev eth0</c>). Valid only when all nodes share one L2 segment,
/// which the single-switch fabric guarantees. Pods keep the node's MTU.
/// </summary>
public sealed class FlannelHostGw : FlannelBridge
{
    public override string Name => "flannel-host-gw";

    public override int PodMtu(int nodeMtu) => nodeMtu;

    protected override void RouteTowards(Node node, Node other) =>
        node.Root.AddRoute(other.PodCidr.ToString(), node.Eth0, via: other.Ip.ToString());
}
