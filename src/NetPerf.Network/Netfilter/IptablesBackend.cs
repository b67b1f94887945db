namespace NetPerf.Network.Netfilter;

/// <summary>
/// Which kernel engine runs a namespace's iptables rules. The same rules (kube-proxy's, flannel's) cost a different
/// amount per rule on each: iptables-legacy loads them into x_tables, walked by ipt_do_table
/// (net/ipv4/netfilter/ip_tables.c) as compact ipt_entry structs; iptables-nft translates each into nf_tables
/// expressions (payload, cmp, meta, counter, immediate), walked by nft_do_chain (net/netfilter/nf_tables_core.c)
/// one expression at a time. Measured on this machine (tools/kernel-costs, routed-rules): 7.4 ns a rule legacy,
/// 13.6 ns nft.
/// </summary>
public enum IptablesBackend
{
    /// <summary>iptables-nft: Debian 10+, Ubuntu 20.10+, RHEL 8+ and kube-proxy's images default to it.</summary>
    Nft,

    /// <summary>iptables-legacy: x_tables, as on older distributions or where a node selects it.</summary>
    Legacy,
}
