using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// flanneld --ip-masq: nat POSTROUTING jumps to FLANNEL-POSTRTG, whose rules are flannel's
/// pkg/trafficmngr/iptables masqRules in their order: leave alone what kube-proxy already marked (its own
/// masquerade follows), traffic from the node's pods into the pod network, traffic from the pod network to the
/// node's pods, and outside traffic to the node's pods; masquerade the rest of the pod network's traffic that is
/// not multicast (<c>-s 10.244.0.0/16 ! -d 224.0.0.0/4 -j MASQUERADE --random-fully</c>: anything leaving the pod
/// network, to the internet or to a node's own address alike) and the node's traffic into the pod network
/// (<c>! -s 10.244.0.0/16 -d 10.244.0.0/16 -j MASQUERADE --random-fully</c>). flanneld adds --random-fully only when
/// iptables has it (1.6.2 on): <see cref="CniPlugin.MasqueradePorts"/> says which the rules carry.
/// </summary>
internal static class FlannelIpMasq
{
    public static void Install(Node node, NatPortSelection ports)
    {
        var cluster = node.ClusterCidr;
        var chain = new Chain("FLANNEL-POSTRTG");
        chain.Append(new Rule { MarkSet = KubeProxyIptables.MasqueradeMark, Target = RuleTarget.Return, Comment = "flanneld masq" });
        chain.Append(new Rule { Source = node.PodCidr, Destination = cluster, Target = RuleTarget.Return, Comment = "flanneld masq" });
        chain.Append(new Rule { Source = cluster, Destination = node.PodCidr, Target = RuleTarget.Return, Comment = "flanneld masq" });
        chain.Append(new Rule { SourceNotIn = cluster, Destination = node.PodCidr, Target = RuleTarget.Return, Comment = "flanneld masq" });
        chain.Append(new Rule { Source = cluster, DestinationNotIn = Ipv4Prefix.Parse("224.0.0.0/4"), Target = RuleTarget.Masquerade, PortSelection = ports, Comment = "flanneld masq" });
        chain.Append(new Rule { SourceNotIn = cluster, Destination = cluster, Target = RuleTarget.Masquerade, PortSelection = ports, Comment = "flanneld masq" });
        node.Root.EnableNetfilter().NatPostRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = chain, Comment = "flanneld masq" });
    }
}
