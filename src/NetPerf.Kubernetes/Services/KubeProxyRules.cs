using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>The rule pieces kube-proxy's iptables and nftables modes build alike.</summary>
internal static class KubeProxyRules
{
    /// <summary>KUBE-MARK-MASQ: sets the masquerade bit that KUBE-POSTROUTING acts on.</summary>
    public static Chain MarkMasquerade(string name)
    {
        var chain = new Chain(name);
        chain.Append(new Rule { Target = RuleTarget.Mark, SetMark = KubeProxyIptables.MasqueradeMark });
        return chain;
    }

    /// <summary>POSTROUTING: masquerade what was marked.</summary>
    public static Rule MasqueradeMarked(string comment) =>
        new() { MarkSet = KubeProxyIptables.MasqueradeMark, Target = RuleTarget.Masquerade, Comment = comment };

    // An endpoint chain (KUBE-SEP) is Hairpin, then Dnat, built through EndpointRuleCache, which holds each such rule once.

    /// <summary><c>-s POD-IP/32 -j KUBE-MARK-MASQ</c>: a pod reaching itself through the Service is masqueraded.</summary>
    public static Rule Hairpin(Pod pod, Chain markMasquerade) =>
        new() { Source = new Ipv4Prefix(pod.Ip, 32), Target = RuleTarget.Jump, JumpTo = markMasquerade };

    /// <summary>
    /// <c>-p PROTO -j DNAT --to-destination POD-IP:TARGET-PORT</c>. With ClientIP session affinity it also records the
    /// client under <paramref name="name"/>, its chain's (<c>-m recent --name KUBE-SEP-Y --set</c>; in nftables mode
    /// <c>update @affinity-Y { ip saddr }</c>), which <see cref="Affinity"/> checks.
    /// </summary>
    public static Rule Dnat(string name, Pod pod, Service service) => new()
    {
        Protocol = service.Protocol, Target = RuleTarget.Dnat, NatAddress = pod.Ip, NatPort = service.TargetPort,
        Recent = service.SessionAffinityTimeout is null ? null : RecentMatch.Record(name),
    };

    /// <summary>
    /// ClientIP session affinity, before the random picks: per endpoint <c>-m recent --name KUBE-SEP-Y --rcheck
    /// --seconds TIMEOUT --reap -j KUBE-SEP-Y</c> (nftables: <c>ip saddr @affinity-Y goto endpoint-Y</c>), so a
    /// client seen within the timeout goes back to its endpoint. Nothing without affinity.
    /// </summary>
    public static void Affinity(Chain chain, Service service, IReadOnlyList<Chain> endpoints)
    {
        if (service.SessionAffinityTimeout is not { } timeout)
        {
            return;
        }

        foreach (var endpoint in endpoints)
        {
            chain.Append(new Rule { Recent = RecentMatch.Check(endpoint.Name, timeout), Target = RuleTarget.Jump, JumpTo = endpoint, Comment = service.Name });
        }
    }

    /// <summary>
    /// Jumps to one of <paramref name="targets"/> with equal chance, as kube-proxy writes it: <c>-m statistic
    /// --mode random --probability 1/n</c>, then 1/(n-1), ..., and the last unconditional.
    /// </summary>
    /// <remarks>With ClientIP session affinity the affinity checks come first (<see cref="Affinity"/>), as kube-proxy writes them.</remarks>
    public static void PickOne(Chain chain, IReadOnlyList<Chain> targets, Service service)
    {
        Affinity(chain, service, targets);
        for (int i = 0; i < targets.Count; i++)
        {
            int left = targets.Count - i;
            chain.Append(new Rule { Target = RuleTarget.Jump, JumpTo = targets[i], Probability = left == 1 ? null : 1.0 / left });
        }
    }
}
