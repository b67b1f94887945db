using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Policy;

/// <summary>
/// Calico's policy data plane as felix renders it in the filter table (felix/rules): FORWARD starts with
/// <c>-j cali-FORWARD</c> and <c>-m mark --mark 0x10000/0x10000 -j ACCEPT</c>; cali-FORWARD sends traffic
/// from a workload (<c>-i cali+</c>) to cali-from-wl-dispatch and traffic to one (<c>-o cali+</c>) to
/// cali-to-wl-dispatch, which go (<c>-g</c>) by interface name to the endpoint's own chain, cali-fw-caliX or
/// cali-tw-caliX. Each endpoint chain first accepts RELATED,ESTABLISHED, so only a connection's first packet
/// walks further: it clears the accept mark, then walks the chains of the policies that select the pod
/// (cali-pi-NAME, whose rules set the mark on a match; <c>-m mark --mark 0x10000/0x10000 -j RETURN</c> after
/// each), and drops if none accepted; a pod no policy selects goes through its namespace's profile, which
/// accepts everything. Egress is the same in the from-workload chain (cali-fw-caliX): the pod's egress policies'
/// cali-po-NAME chains, or the profile when none isolates it. Every rule
/// walked costs a rule on the node (NftablesRule on iptables-nft, NetfilterRule on legacy), which is what policies cost in Calico's CPU.
/// </summary>
internal sealed class CalicoPolicyRules : IPolicyRenderer
{
    /// <summary>felix's accept bit (the lowest of its default IptablesMarkMask, 0xffff0000).</summary>
    public const uint AcceptMark = 0x10000;

    private readonly KubernetesCluster _cluster;
    private readonly Dictionary<Node, (Chain FromDispatch, Chain ToDispatch)> _nodes = [];
    private readonly Chain _profile = new("cali-pro-kns.default");

    public CalicoPolicyRules(KubernetesCluster cluster)
    {
        _cluster = cluster;
        _profile.Append(new Rule { Target = RuleTarget.Mark, SetMark = AcceptMark, Comment = "profile kns.default: allow" });
        _profile.Append(ReturnIfAccepted());
        foreach (var node in cluster.Nodes)
        {
            var fromDispatch = new Chain("cali-from-wl-dispatch");
            var toDispatch = new Chain("cali-to-wl-dispatch");
            var forward = new Chain("cali-FORWARD");
            forward.Append(new Rule { InInterface = "cali+", Target = RuleTarget.Jump, JumpTo = fromDispatch });
            forward.Append(new Rule { OutInterface = "cali+", Target = RuleTarget.Jump, JumpTo = toDispatch });
            var filter = node.Root.EnableNetfilter().FilterForward;
            filter.Insert(0, new Rule { Target = RuleTarget.Jump, JumpTo = forward });
            filter.Insert(1, new Rule { MarkSet = AcceptMark, Target = RuleTarget.Accept, Comment = "Policy explicitly accepted packet." });
            _nodes[node] = (fromDispatch, toDispatch);
        }
    }

    /// <summary>Rebuilds the policy chains, their ipsets and every endpoint's chains for <paramref name="policies"/>.</summary>
    public void Render(IReadOnlyList<NetworkPolicy> policies)
    {
        var chains = policies.ToDictionary(p => p, PolicyChain);
        var egressChains = policies.Where(p => p.Types.HasFlag(NetworkPolicyTypes.Egress)).ToDictionary(p => p, EgressChain);
        foreach (var (node, (fromDispatch, toDispatch)) in _nodes)
        {
            fromDispatch.Clear();
            toDispatch.Clear();
            foreach (var pod in node.Pods)
            {
                if (pod.HostEnd is not { } cali || pod.Deleted)
                {
                    continue; // hostNetwork: no workload interface; deleted: felix removed its workload endpoint
                }

                var fw = new Chain($"cali-fw-{cali.Name}");
                EndpointStart(fw);
                var egress = policies.Where(p => p.IsolatesEgress(pod)).ToList();
                foreach (var policy in egress)
                {
                    fw.Append(new Rule { Target = RuleTarget.Jump, JumpTo = egressChains[policy] });
                    fw.Append(ReturnIfAccepted());
                }

                if (egress.Count == 0)
                {
                    fw.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _profile });
                    fw.Append(ReturnIfAccepted());
                }

                fw.Append(new Rule { Target = RuleTarget.Drop, Comment = egress.Count == 0 ? "Drop if no profiles matched" : "Drop if no policies passed packet" });
                fromDispatch.Append(new Rule { InInterface = cali.Name, Target = RuleTarget.Goto, JumpTo = fw });

                var tw = new Chain($"cali-tw-{cali.Name}");
                EndpointStart(tw);
                var selecting = policies.Where(p => p.IsolatesIngress(pod)).ToList();
                foreach (var policy in selecting)
                {
                    tw.Append(new Rule { Target = RuleTarget.Jump, JumpTo = chains[policy] });
                    tw.Append(ReturnIfAccepted());
                }

                if (selecting.Count == 0)
                {
                    tw.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _profile });
                    tw.Append(ReturnIfAccepted());
                }

                tw.Append(new Rule { Target = RuleTarget.Drop, Comment = selecting.Count == 0 ? "Drop if no profiles matched" : "Drop if no policies passed packet" });
                toDispatch.Append(new Rule { OutInterface = cali.Name, Target = RuleTarget.Goto, JumpTo = tw });
            }
        }
    }

    /// <summary>What every endpoint chain starts with: established traffic accepted at once, then the accept mark cleared.</summary>
    private static void EndpointStart(Chain chain)
    {
        chain.Append(new Rule { EstablishedOnly = true, Target = RuleTarget.Accept });
        chain.Append(new Rule { Target = RuleTarget.Mark, ClearMark = AcceptMark });
    }

    private static Rule ReturnIfAccepted() => new() { MarkSet = AcceptMark, Target = RuleTarget.Return };

    /// <summary>cali-pi-NAME: one mark rule per (peer, port) of each ingress rule, each followed by a return if it matched.</summary>
    private Chain PolicyChain(NetworkPolicy policy)
    {
        var chain = new Chain($"cali-pi-_{policy.Name}");
        foreach (var rule in policy.Ingress)
        {
            var peers = rule.From.Count == 0 ? new NetworkPolicyPeer?[] { null } : rule.From.Select(p => (NetworkPolicyPeer?)p).ToArray();
            var ports = rule.Ports.Count == 0 ? new NetworkPolicyPort?[] { null } : rule.Ports.Select(p => (NetworkPolicyPort?)p).ToArray();
            foreach (var peer in peers)
            {
                var set = peer?.PodSelector is { } selector ? PodSet(policy, selector) : null;
                foreach (var port in ports)
                {
                    chain.Append(new Rule
                    {
                        SourceSet = set, Source = peer?.IpBlock, SourceNotInAny = peer is { Except.Count: > 0 } ? peer.Except : null,
                        Protocol = port?.Protocol, DestinationPort = port?.Port,
                        Target = RuleTarget.Mark, SetMark = AcceptMark,
                    });
                    chain.Append(ReturnIfAccepted());
                }
            }
        }

        return chain;
    }

    /// <summary>
    /// cali-po-NAME: a policy's egress rules, in the from-workload chain of each pod it selects (felix's outbound
    /// policy chain): one mark rule per (peer, port), matching the destination (after kube-proxy's DNAT, which ran
    /// at PREROUTING before this FORWARD hook) by ipset, ipBlock and its except, and port.
    /// </summary>
    private Chain EgressChain(NetworkPolicy policy)
    {
        var chain = new Chain($"cali-po-_{policy.Name}");
        foreach (var rule in policy.Egress)
        {
            var peers = rule.To.Count == 0 ? new NetworkPolicyPeer?[] { null } : rule.To.Select(p => (NetworkPolicyPeer?)p).ToArray();
            var ports = rule.Ports.Count == 0 ? new NetworkPolicyPort?[] { null } : rule.Ports.Select(p => (NetworkPolicyPort?)p).ToArray();
            foreach (var peer in peers)
            {
                var set = peer?.PodSelector is { } selector ? PodSet(policy, selector) : null;
                foreach (var port in ports)
                {
                    chain.Append(new Rule
                    {
                        DestinationSet = set, Destination = peer?.IpBlock, DestinationNotInAny = peer is { Except.Count: > 0 } ? peer.Except : null,
                        Protocol = port?.Protocol, DestinationPort = port is { Port: not NetworkPolicyPort.AnyPort } p ? p.Port : null,
                        Target = RuleTarget.Mark, SetMark = AcceptMark,
                    });
                    chain.Append(ReturnIfAccepted());
                }
            }
        }

        return chain;
    }

    /// <summary>The ipset felix keeps for a selector: the addresses of the pods it matches now.</summary>
    private IpSet PodSet(NetworkPolicy policy, IReadOnlyDictionary<string, string> selector)
    {
        var set = new IpSet($"cali40s:{policy.Name}");
        foreach (var pod in _cluster.Pods.Where(p => NetworkPolicy.Matches(selector, p)))
        {
            set.Add(pod.Ip);
        }

        return set;
    }
}
