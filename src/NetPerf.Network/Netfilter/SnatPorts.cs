using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// The source port of a SNAT or MASQUERADE mapping, as nf_nat_setup_info's get_unique_tuple picks it
/// (net/netfilter/nf_nat_core.c): without --random-fully the connection keeps its own port if no connection's
/// reply tuple holds it (nf_nat_used_tuple); otherwise, and always with --random-fully,
/// nf_nat_l4proto_unique_tuple searches the range from an offset (<see cref="NatPortSearch"/>: the shared rover
/// before v5.0, prandom since; with --random-fully prandom on every line), a bounded number of ports since v5.0.
/// A tuple counts as used only once its entry is in the hash (<see cref="Conntrack.SnatTupleTaken"/>), so two CPUs
/// setting up connections at once can both pick one port; the second then fails at confirmation.
/// </summary>
internal static class SnatPorts
{
    /// <summary>NF_NAT_MAX_ATTEMPTS (max_attempts before 6.x): ports one round of the search tries.</summary>
    public const int MaxAttempts = 128;

    /// <summary>NF_NAT_HARDER_THRESH: in a round's last attempts a TIME_WAIT holder may be evicted.</summary>
    public const int HarderThreshold = MaxAttempts / 4;

    /// <summary>What one search sees: the table as the packet's CPU reads it at that instant.</summary>
    public readonly struct Search(Iptables owner, int core, long atPs, long nowPs, bool synSent)
    {
        public Iptables Owner { get; } = owner;
        public int Core { get; } = core;
        public long AtPs { get; } = atPs;
        public long NowPs { get; } = nowPs;

        /// <summary>The new connection is TCP in SYN_SENT (nf_nat_used_tuple_harder evicts only for those).</summary>
        public bool SynSent { get; } = synSent;

        public bool Taken(in FiveTuple reply, int attemptsLeft) =>
            Owner.Conntrack.SnatTupleTaken(reply, Core, AtPs, NowPs,
                mayReuseTimeWait: SynSent && attemptsLeft <= HarderThreshold && Owner.Conntrack.NatPortSearch == NatPortSearch.RandomOffsetReusingTimeWait);
    }

    /// <summary>
    /// The port for <paramref name="reply"/> (the connection's reply tuple with the new address as its
    /// destination, its destination port still the original source port).
    /// </summary>
    public static ushort Choose(ref Search s, FiveTuple reply, Rule rule, ref ushort rover)
    {
        ushort original = reply.DestinationPort;
        var (min, rangeSize) = RangeOf(rule, original);
        bool randomFully = rule.PortSelection == NatPortSelection.RandomFully;
        if (!randomFully && original >= min && original - min < rangeSize
            && ((rule.ToPortsMin != 0 && rangeSize == 1) || !s.Taken(reply, int.MaxValue)))
        {
            return original; // "Only bother mapping if it's not already in range and unique"
        }

        var search = s.Owner.Conntrack.NatPortSearch;
        if (search == NatPortSearch.SharedRover)
        {
            return SearchWholeRange(ref s, reply, min, rangeSize, randomFully, ref rover);
        }

        // v5.0 on: off = get_random_u16(), a u16 that wraps as it is incremented.
        ushort off = (ushort)s.Owner.NatRandom.Next(65_536);
        int attempts = Math.Min(rangeSize, MaxAttempts);
        ushort port = original;
        while (true)
        {
            for (int i = 0; i < attempts; i++, off++)
            {
                port = (ushort)(min + off % rangeSize);
                if (!s.Taken(reply with { DestinationPort = port }, attempts - i))
                {
                    return port;
                }
            }

            if (attempts >= rangeSize || attempts < 16)
            {
                return port; // gives up with a used tuple: the clash is found at confirmation (insert_failed)
            }

            attempts /= 2;
            off = (ushort)s.Owner.NatRandom.Next(65_536);
        }
    }

    /// <summary>
    /// Before v5.0 (nf_nat_proto_common.c): from the rover (or, for --random-fully, prandom) through the whole
    /// range; the last port is taken even if used; the rover keeps the offset found unless the rule is random.
    /// </summary>
    private static ushort SearchWholeRange(ref Search s, FiveTuple reply, int min, int rangeSize, bool randomFully, ref ushort rover)
    {
        ushort off = randomFully ? (ushort)s.Owner.NatRandom.Next(65_536) : rover;
        for (int i = 0; ; off++)
        {
            ushort port = (ushort)(min + off % rangeSize);
            if (++i != rangeSize && s.Taken(reply with { DestinationPort = port }, int.MaxValue))
            {
                continue;
            }

            if (!randomFully)
            {
                rover = off;
            }

            return port;
        }
    }

    /// <summary>
    /// The ports a mapping may take: --to-ports' range, or by the original port 1-511, 600-1023 ("loose convention:
    /// &gt;&gt; 512 is credential passing") or 1024-65535 (nf_nat_l4proto_unique_tuple without NF_NAT_RANGE_PROTO_SPECIFIED).
    /// </summary>
    internal static (int Min, int Size) RangeOf(Rule rule, ushort original)
    {
        if (rule.ToPortsMin != 0)
        {
            int lo = rule.ToPortsMin, hi = Math.Max(lo, rule.ToPortsMax); // a MAX below MIN is one port
            return (lo, hi - lo + 1);
        }

        return original < 512 ? (1, 511) : original < 1024 ? (600, 424) : (1024, 64_512);
    }
}
