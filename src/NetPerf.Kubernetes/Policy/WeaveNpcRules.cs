using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Policy;

/// <summary>
/// Weave NPC's policy data plane in the filter table (weaveworks/weave net/bridge.go ConfigureIPTables,
/// prog/weave-npc/main.go createBaseRules, npc/namespace.go, npc/rule.go). At the top of FORWARD:
/// <c>-i weave -j WEAVE-NPC-EGRESS</c>; <c>-o weave -j WEAVE-NPC</c>; <c>-o weave -m state --state NEW -j NFLOG
/// --nflog-group 86</c>; <c>-o weave -j DROP</c>; <c>-i weave ! -o weave -j ACCEPT</c>; <c>-o weave -m conntrack
/// --ctstate RELATED,ESTABLISHED -j ACCEPT</c>. WEAVE-NPC accepts RELATED,ESTABLISHED, accepts what leaves through
/// vethwe-bridge to another node (policy is enforced where the pod lives), then sends NEW connections to
/// WEAVE-NPC-DEFAULT (<c>-m set --match-set weave-... dst -j ACCEPT</c>: the namespace's pods no ingress policy
/// selects) and WEAVE-NPC-INGRESS (per rule <c>-m set --match-set SRC src -m set --match-set DST dst [-p P --dport N]
/// -j ACCEPT</c>); what neither accepts is logged and dropped in FORWARD. ipsets are cluster-wide (every pod a
/// selector matches, on any node), so a rule costs one hash lookup however many pods it covers; iptables and
/// ipsets sit beside kube-proxy's rules in any of its modes.
/// Two simplifications, neither changing a verdict: the physdev matches (<c>--physdev-out vethwe-bridge</c> in
/// WEAVE-NPC, <c>--physdev-in vethwe-bridge</c> in WEAVE-NPC-EGRESS) are written as <c>! -d</c> / <c>! -s</c> the
/// node's IPAM share (an address outside it is behind vethwe-bridge); egress policies are not modelled, so every
/// pod is in the egress default-allow set and the egress chain's final mark-not-set DROP is left out.
/// </summary>
internal sealed class WeaveNpcRules : IPolicyRenderer
{
    /// <summary>weave-npc's egress mark (npc/constants.go EgressMark 0x40000/0x40000).</summary>
    public const uint EgressMark = 0x40000;

    private readonly KubernetesCluster _cluster;
    private readonly Chain _default = new("WEAVE-NPC-DEFAULT");
    private readonly Chain _ingress = new("WEAVE-NPC-INGRESS");
    private readonly Chain _egressDefault = new("WEAVE-NPC-EGRESS-DEFAULT");
    private readonly IpSet _defaultAllowIngress = new("weave-default-allow-ingress:default"); // weave-npc names its sets by a hash of what they hold
    private readonly IpSet _defaultAllowEgress = new("weave-default-allow-egress:default");

    public WeaveNpcRules(KubernetesCluster cluster)
    {
        _cluster = cluster;
        var weave = (WeaveNet)cluster.Cni;
        _egressDefault.Append(new Rule { SourceSet = _defaultAllowEgress, Target = RuleTarget.Mark, SetMark = EgressMark });
        _egressDefault.Append(new Rule { SourceSet = _defaultAllowEgress, Target = RuleTarget.Return });
        foreach (var node in cluster.Nodes)
        {
            var share = weave.Share(node);
            var main = new Chain("WEAVE-NPC");
            main.Append(new Rule { EstablishedOnly = true, Target = RuleTarget.Accept });
            main.Append(new Rule { DestinationNotIn = share, Target = RuleTarget.Accept, Comment = "physdev-out vethwe-bridge: enforced at the destination" });
            main.Append(new Rule { NewConnectionOnly = true, Target = RuleTarget.Jump, JumpTo = _default });
            main.Append(new Rule { NewConnectionOnly = true, Target = RuleTarget.Jump, JumpTo = _ingress });

            var egress = new Chain("WEAVE-NPC-EGRESS");
            egress.Append(new Rule { EstablishedOnly = true, Target = RuleTarget.Accept });
            egress.Append(new Rule { SourceNotIn = share, Target = RuleTarget.Return, Comment = "physdev-in vethwe-bridge: not from a local pod" });
            egress.Append(new Rule { DestinationIsLocal = true, Target = RuleTarget.Return });
            egress.Append(new Rule { NewConnectionOnly = true, Target = RuleTarget.Jump, JumpTo = _egressDefault });

            var forward = node.Root.EnableNetfilter().FilterForward;
            Rule[] top =
            [
                new() { InInterface = "weave", Target = RuleTarget.Jump, JumpTo = egress, Comment = "NOTE: this must go before '-j KUBE-FORWARD'" },
                new() { OutInterface = "weave", Target = RuleTarget.Jump, JumpTo = main, Comment = "NOTE: this must go before '-j KUBE-FORWARD'" },
                new() { OutInterface = "weave", NewConnectionOnly = true, Target = RuleTarget.None, Comment = "NFLOG --nflog-group 86" },
                new() { OutInterface = "weave", Target = RuleTarget.Drop },
                new() { InInterface = "weave", Target = RuleTarget.Accept, Comment = "! -o weave: what goes -o weave has met the DROP above" },
                new() { OutInterface = "weave", EstablishedOnly = true, Target = RuleTarget.Accept },
            ];
            for (int i = 0; i < top.Length; i++)
            {
                forward.Insert(i, top[i]);
            }
        }

        Render([]); // with no policy every pod is in its namespace's default-allow set
    }

    /// <summary>Rebuilds the ipsets and WEAVE-NPC-DEFAULT / WEAVE-NPC-INGRESS for <paramref name="policies"/> (weave-npc reacts to every policy and pod event).</summary>
    public void Render(IReadOnlyList<NetworkPolicy> policies)
    {
        _defaultAllowIngress.Clear();
        _defaultAllowEgress.Clear();
        foreach (var pod in _cluster.Pods.Where(p => !p.HostNetwork))
        {
            _defaultAllowEgress.Add(pod.Ip);
            if (!policies.Any(p => p.IsolatesIngress(pod)))
            {
                _defaultAllowIngress.Add(pod.Ip);
            }
        }

        _default.Clear();
        _default.Append(new Rule { DestinationSet = _defaultAllowIngress, Target = RuleTarget.Accept, Comment = "DefaultAllow ingress isolation for namespace: default" });
        _ingress.Clear();
        foreach (var policy in policies)
        {
            var selected = Set($"weave-dst:{policy.Name}", policy.PodSelector);
            foreach (var rule in policy.Ingress)
            {
                var peers = rule.From.Count == 0 ? new NetworkPolicyPeer?[] { null } : rule.From.Select(p => (NetworkPolicyPeer?)p).ToArray();
                var ports = rule.Ports.Count == 0 ? new NetworkPolicyPort?[] { null } : rule.Ports.Select(p => (NetworkPolicyPort?)p).ToArray();
                foreach (var peer in peers)
                {
                    var from = peer?.PodSelector is { } selector ? Set($"weave-src:{policy.Name}", selector) : null;
                    foreach (var port in ports)
                    {
                        _ingress.Append(new Rule
                        {
                            SourceSet = from, Source = peer?.IpBlock, DestinationSet = selected, Protocol = port?.Protocol, DestinationPort = port?.Port,
                            Target = RuleTarget.Accept, Comment = $"default/{policy.Name} -> default (ingress)",
                        });
                    }
                }
            }
        }
    }

    /// <summary>The ipset weave-npc keeps for a selector: every pod it matches, on every node.</summary>
    private IpSet Set(string name, IReadOnlyDictionary<string, string> selector)
    {
        var set = new IpSet(name);
        foreach (var pod in _cluster.Pods.Where(p => !p.HostNetwork && NetworkPolicy.Matches(selector, p)))
        {
            set.Add(pod.Ip);
        }

        return set;
    }
}
