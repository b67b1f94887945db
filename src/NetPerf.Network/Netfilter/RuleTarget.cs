namespace NetPerf.Network.Netfilter;

/// <summary>The <c>-j</c> of an iptables rule.</summary>
public enum RuleTarget
{
    /// <summary>No target: the rule only counts; evaluation goes on.</summary>
    None,
    Accept,
    Drop,

    /// <summary>Back to the calling chain (or the built-in chain's policy).</summary>
    Return,

    /// <summary>Evaluate another chain, then continue here unless it decided.</summary>
    Jump,

    /// <summary><c>-g</c>: evaluate another chain; when it returns, return from this one too (Calico's dispatch chains).</summary>
    Goto,

    /// <summary>Rewrite the destination of a new connection (nat table).</summary>
    Dnat,

    /// <summary>Rewrite the source of a new connection to a given address (nat table, POSTROUTING).</summary>
    Snat,

    /// <summary>Rewrite the source to the outgoing interface's address (nat table, POSTROUTING).</summary>
    Masquerade,

    /// <summary>OR bits into the packet's mark and continue (KUBE-MARK-MASQ).</summary>
    Mark,

    /// <summary>
    /// nftables verdict map on (destination address, protocol, destination port): one hash lookup picks the
    /// chain to jump to, whatever the number of entries (kube-proxy's nftables mode, <c>vmap @service-ips</c>).
    /// No entry: evaluation goes on.
    /// </summary>
    VerdictMap,
}
