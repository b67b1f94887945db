using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// flanneld --ip-masq: nat POSTROUTING jumps to FLANNEL-POSTRTG (flannel's pkg/trafficmngr/iptables MasqRules),
/// which leaves alone what kube-proxy already marked and traffic that stays in the pod network, and masquerades
/// pod traffic leaving it (<c>-s 10.244.0.0/14 ! -d 224.0.0.0/4 -j MASQUERADE</c>) and node traffic into it
/// (<c>! -s 10.244.0.0/14 -d 10.244.0.0/14 -j MASQUERADE</c>) except to the node's own pods.
/// </summary>
internal static class FlannelIpMasq
{
    public static void Install(Node node)
    {
        var cluster = node.ClusterCidr;
        var chain = new Chain("FLANNEL-POSTRTG");
        chain.Append(new Rule { MarkSet = KubeProxyIptables.MasqueradeMark, Target = RuleTarget.Return, Comment = "flanneld masq: kube-proxy's" });
        chain.Append(new Rule { Source = cluster, Destination = cluster, Target = RuleTarget.Return, Comment = "flanneld masq" });
        chain.Append(new Rule { SourceNotIn = cluster, Destination = node.PodCidr, Target = RuleTarget.Return, Comment = "flanneld masq" });
        chain.Append(new Rule { Source = cluster, DestinationNotIn = Ipv4Prefix.Parse("224.0.0.0/4"), Target = RuleTarget.Masquerade, Comment = "flanneld masq" });
        chain.Append(new Rule { SourceNotIn = cluster, Destination = cluster, Target = RuleTarget.Masquerade, Comment = "flanneld masq" });
        node.Root.EnableNetfilter().NatPostRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = chain, Comment = "flanneld masq" });
    }
}
