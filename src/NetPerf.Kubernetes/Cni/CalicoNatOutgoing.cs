using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// Calico's natOutgoing IP pool: nat POSTROUTING starts with cali-POSTROUTING, whose cali-nat-outgoing
/// masquerades traffic from the pool's addresses to anywhere outside every pool (felix's
/// <c>-m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE</c>;
/// one pool here, so a prefix match stands for each set; felix's rules/nat.go makeNATOutgoingRuleIPTables). A node's
/// own address is in no pool, so a pod's traffic to a hostNetwork server on another node is masqueraded too.
/// </summary>
internal static class CalicoNatOutgoing
{
    public static void Install(Node node, NatPortSelection ports)
    {
        var pool = node.ClusterCidr;
        var natOutgoing = new Chain("cali-nat-outgoing");
        natOutgoing.Append(new Rule { Source = pool, DestinationNotIn = pool, Target = RuleTarget.Masquerade, PortSelection = ports, Comment = "cali:natOutgoing" });
        var postRouting = new Chain("cali-POSTROUTING");
        postRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = natOutgoing });
        node.Root.EnableNetfilter().NatPostRouting.Insert(new Rule { Target = RuleTarget.Jump, JumpTo = postRouting, Comment = "cali:O3lYWMrLQYEMJtB5" });
    }
}
