namespace NetPerf.Network.Netfilter;

/// <summary>
/// How a kernel line searches for a free source port when SNAT cannot keep the connection's own
/// (nf_nat_l4proto_unique_tuple, net/netfilter/nf_nat_core.c; before v5.0 nf_nat_proto_common.c).
/// </summary>
public enum NatPortSearch
{
    /// <summary>
    /// Before v5.0 (4.14, say): the search starts at a rover shared by every CPU and namespace (one static
    /// u16 per protocol) and walks the whole range; the port found is written back to the rover unless the rule
    /// is --random or --random-fully. So two CPUs searching at once start at the same port: the reason
    /// --random-fully was added (iptables 1.6.2, kernel 3.14's NF_NAT_RANGE_PROTO_RANDOM_FULLY).
    /// </summary>
    SharedRover,

    /// <summary>
    /// v5.0 on (6ed5943f8735 "netfilter: nat: remove l4 protocol port rovers", Florian Westphal, 2018): the search
    /// starts at a random offset and tries at most 128 ports (max_attempts); when all are taken it picks another
    /// random offset and tries half as many, down to 16.
    /// </summary>
    RandomOffset,

    /// <summary>
    /// As <see cref="RandomOffset"/> (the constant is NF_NAT_MAX_ATTEMPTS), and in the last
    /// NF_NAT_HARDER_THRESH (128 / 4 = 32) attempts of a round a new TCP connection (SYN_SENT) may take a port
    /// whose holder is a connection in TIME_WAIT or CLOSE that has seen a reply: nf_nat_used_tuple_harder kills the
    /// old entry (nf_nat_may_kill) and reuses its tuple. The modelled 6.18's nf_nat_core.c.
    /// </summary>
    RandomOffsetReusingTimeWait,
}
