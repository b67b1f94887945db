namespace NetPerf.Network.Netfilter;

/// <summary>A SNAT or MASQUERADE rule's port option (iptables-extensions(8)).</summary>
public enum NatPortSelection
{
    /// <summary>
    /// No flag: the connection keeps its own source port when no other connection's reply tuple has it
    /// (get_unique_tuple's "try to get same tuple"), and only otherwise searches (<see cref="NatPortSearch"/>).
    /// </summary>
    KeepSource,

    /// <summary>
    /// <c>--random-fully</c> (NF_NAT_RANGE_PROTO_RANDOM_FULLY): never keeps the source port; every connection's
    /// port is searched for from a fresh random offset (prandom), on every kernel line.
    /// </summary>
    RandomFully,
}
