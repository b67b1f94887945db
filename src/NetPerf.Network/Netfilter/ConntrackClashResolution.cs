namespace NetPerf.Network.Netfilter;

/// <summary>
/// What a kernel does when a new connection's entry, at confirmation, finds its original tuple already confirmed
/// by another CPU: two packets of one UDP flow (A and AAAA from one resolver socket) were both looked up before
/// either was hashed, so each got an entry of its own, and DNAT may have sent them to different endpoints
/// (__nf_conntrack_confirm, nf_ct_resolve_clash in net/netfilter/nf_conntrack_core.c). The history, as the
/// kernel's own selftest (tools/testing/selftests/net/netfilter/udpclash.c) lists it: 71d8c47fc653 "netfilter:
/// conntrack: introduce clash resolution on insertion race", disabled for NATed entries by 590b52e10d41;
/// ed07d9a021df "netfilter: nf_conntrack: resolve clash for matching conntracks" (mainline July 2018, v4.19);
/// 6a757c07e51f "netfilter: conntrack: allow insertion of clashing entries" (Florian Westphal, RFC January 2020,
/// v5.6).
/// </summary>
public enum ConntrackClashResolution
{
    /// <summary>
    /// Before v4.19 (4.14, say): only an identical entry without NAT is merged; a NATed loser is dropped
    /// (<c>insert_failed</c>, <c>drop</c>), even when DNAT chose the same endpoint for both.
    /// </summary>
    UntranslatedOnly,

    /// <summary>
    /// v4.19 to v5.5 (5.4, say): an identical entry (the same reply tuple: DNAT chose the same endpoint) is
    /// merged, NAT or not; one whose DNAT chose another endpoint is dropped.
    /// </summary>
    MatchingOnly,

    /// <summary>
    /// v5.6 on (6.18, the modelled kernel): besides merging identical entries, a UDP loser whose reply tuple is
    /// unique (another endpoint) is inserted under its reply tuple only, flagged NAT_CLASH with a fixed timeout, so
    /// its answer is un-NATed and nothing is dropped; later packets of the flow follow the winner.
    /// </summary>
    InsertClashing,
}
