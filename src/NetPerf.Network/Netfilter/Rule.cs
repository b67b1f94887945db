using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// One iptables rule: optional matches (all must hold) and a target. Immutable once built, so identical rule
/// sets can be shared between nodes.
/// </summary>
public sealed record Rule
{
    public Ipv4Prefix? Source { get; init; }

    /// <summary><c>! -s PREFIX</c>: the source is outside this prefix (kube-proxy's <c>! -s CLUSTER-CIDR</c>).</summary>
    public Ipv4Prefix? SourceNotIn { get; init; }

    /// <summary><c>-m conntrack --ctstate NEW</c>: only a connection's first packet (its entry not yet confirmed).</summary>
    public bool NewConnectionOnly { get; init; }

    /// <summary><c>-m conntrack --ctstate RELATED,ESTABLISHED</c>: a packet of a connection already confirmed.</summary>
    public bool EstablishedOnly { get; init; }

    /// <summary><c>-m set --match-set NAME src</c>: the source is in an ipset (one hash lookup, however big the set).</summary>
    public IpSet? SourceSet { get; init; }

    /// <summary><c>-m set --match-set NAME dst</c>: the destination is in an ipset (Weave NPC's per-selector sets).</summary>
    public IpSet? DestinationSet { get; init; }

    /// <summary><c>-m set --match-set NAME dst</c> on a bitmap:port set: the destination port is in the set.</summary>
    public PortSet? DestinationPortSet { get; init; }

    /// <summary><c>-m set ! --match-set NAME src</c> on a hash:net set: the source is in none of these prefixes (felix's notNets, a NetworkPolicy ipBlock's except).</summary>
    public IReadOnlyList<Ipv4Prefix>? SourceNotInAny { get; init; }

    /// <summary><c>-m set ! --match-set NAME dst</c> on a hash:net set: the destination is in none of these prefixes.</summary>
    public IReadOnlyList<Ipv4Prefix>? DestinationNotInAny { get; init; }

    public Ipv4Prefix? Destination { get; init; }

    /// <summary><c>! -d PREFIX</c>: the destination is outside this prefix (flannel's ip-masq rule).</summary>
    public Ipv4Prefix? DestinationNotIn { get; init; }
    public IpProtocol? Protocol { get; init; }
    public ushort? DestinationPort { get; init; }

    /// <summary><c>-p icmp --icmp-type fragmentation-needed</c>: an ICMP destination unreachable, type 3 code 4.</summary>
    public bool IcmpFragmentationNeeded { get; init; }

    /// <summary><c>-i</c>: an interface name, or a prefix ending in '+' (cali+).</summary>
    public string? InInterface { get; init; }

    /// <summary><c>-o</c>, as <see cref="InInterface"/>.</summary>
    public string? OutInterface { get; init; }

    /// <summary><c>-m addrtype --dst-type LOCAL</c>: the destination is an address of this namespace.</summary>
    public bool? DestinationIsLocal { get; init; }

    /// <summary><c>-m addrtype --src-type LOCAL</c>: the source is an address of this namespace.</summary>
    public bool? SourceIsLocal { get; init; }

    /// <summary><c>-m mark --mark M/M</c>: all these bits set.</summary>
    public uint? MarkSet { get; init; }

    /// <summary><c>-m statistic --mode random --probability P</c>.</summary>
    public double? Probability { get; init; }

    /// <summary><c>-m recent</c> (or an nftables dynamic set): sets or checks the source in a per-namespace list (<see cref="RecentMatch"/>); evaluated after every other match.</summary>
    public RecentMatch? Recent { get; init; }

    public RuleTarget Target { get; init; }

    /// <summary>The chain of a <see cref="RuleTarget.Jump"/> or <see cref="RuleTarget.Goto"/>.</summary>
    public Chain? JumpTo { get; init; }

    /// <summary>Address (and port, 0 to keep it) of a DNAT or SNAT target.</summary>
    public Ipv4Address NatAddress { get; init; }
    public ushort NatPort { get; init; }

    /// <summary>A SNAT or MASQUERADE rule's <c>--random-fully</c>, or none (<see cref="NatPortSelection.KeepSource"/>).</summary>
    public NatPortSelection PortSelection { get; init; }

    /// <summary>
    /// <c>--to-ports MIN[-MAX]</c> of a SNAT or MASQUERADE rule (NF_NAT_RANGE_PROTO_SPECIFIED); 0 for none, when the
    /// range follows the original port (1-511, 600-1023 or 1024-65535, nf_nat_l4proto_unique_tuple).
    /// </summary>
    public ushort ToPortsMin { get; init; }

    /// <summary>The upper end of <see cref="ToPortsMin"/>'s range (equal to it for one port).</summary>
    public ushort ToPortsMax { get; init; }

    /// <summary>Bits a <see cref="RuleTarget.Mark"/> target sets.</summary>
    public uint SetMark { get; init; }

    /// <summary>Bits a <see cref="RuleTarget.Mark"/> target clears first (<c>--set-xmark VALUE/MASK</c>: mask bits cleared, value bits set).</summary>
    public uint ClearMark { get; init; }

    /// <summary>The map of a <see cref="RuleTarget.VerdictMap"/> rule.</summary>
    public VerdictMap? Map { get; init; }

    public string? Comment { get; init; }

    /// <summary>Whether any of <paramref name="prefixes"/> holds <paramref name="address"/> (a hash:net set's lookup).</summary>
    internal static bool InAny(IReadOnlyList<Ipv4Prefix> prefixes, Ipv4Address address)
    {
        for (int i = 0; i < prefixes.Count; i++)
        {
            if (prefixes[i].Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool InterfaceMatches(string pattern, string? name)
    {
        if (name is null)
        {
            return false;
        }

        return pattern.EndsWith('+')
            ? name.AsSpan().StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
            : string.Equals(pattern, name, StringComparison.Ordinal);
    }
}

