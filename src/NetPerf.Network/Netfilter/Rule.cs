using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// One iptables rule: optional matches (all must hold) and a target. Immutable once built, so identical rule
/// sets can be shared between nodes. The matches and target arguments most rules leave unset live in one
/// <see cref="RareMatches"/> object, null for a rule that sets none of them: kube-proxy's per-endpoint pick rules
/// (2.5 M at Kubernetes' thresholds) hold a jump and a probability, and a rule is then about 100 B, not 248.
/// </summary>
public sealed record Rule
{
    private RareMatches? _rare;

    /// <summary>The rarely set matches and target arguments, null when all are unset.</summary>
    internal RareMatches? Rare => _rare;

    private void SetRare(RareMatches rare) => _rare = rare == RareMatches.None ? null : rare;

    public Ipv4Prefix? Source { get; init; }

    /// <summary><c>! -s PREFIX</c>: the source is outside this prefix (kube-proxy's <c>! -s CLUSTER-CIDR</c>).</summary>
    public Ipv4Prefix? SourceNotIn { get => _rare is { } r ? r.SourceNotIn : default; init => SetRare((_rare ?? RareMatches.None) with { SourceNotIn = value }); }

    /// <summary><c>-m conntrack --ctstate NEW</c>: only a connection's first packet (its entry not yet confirmed).</summary>
    public bool NewConnectionOnly { get => _rare is { } r ? r.NewConnectionOnly : default; init => SetRare((_rare ?? RareMatches.None) with { NewConnectionOnly = value }); }

    /// <summary><c>-m conntrack --ctstate RELATED,ESTABLISHED</c>: a packet of a connection already confirmed.</summary>
    public bool EstablishedOnly { get => _rare is { } r ? r.EstablishedOnly : default; init => SetRare((_rare ?? RareMatches.None) with { EstablishedOnly = value }); }

    /// <summary><c>-m set --match-set NAME src</c>: the source is in an ipset (one hash lookup, however big the set).</summary>
    public IpSet? SourceSet { get => _rare is { } r ? r.SourceSet : default; init => SetRare((_rare ?? RareMatches.None) with { SourceSet = value }); }

    /// <summary><c>-m set --match-set NAME dst</c>: the destination is in an ipset (Weave NPC's per-selector sets).</summary>
    public IpSet? DestinationSet { get => _rare is { } r ? r.DestinationSet : default; init => SetRare((_rare ?? RareMatches.None) with { DestinationSet = value }); }

    /// <summary><c>-m set --match-set NAME dst</c> on a bitmap:port set: the destination port is in the set.</summary>
    public PortSet? DestinationPortSet { get => _rare is { } r ? r.DestinationPortSet : default; init => SetRare((_rare ?? RareMatches.None) with { DestinationPortSet = value }); }

    /// <summary><c>-m set ! --match-set NAME src</c> on a hash:net set: the source is in none of these prefixes (felix's notNets, a NetworkPolicy ipBlock's except).</summary>
    public IReadOnlyList<Ipv4Prefix>? SourceNotInAny { get => _rare is { } r ? r.SourceNotInAny : default; init => SetRare((_rare ?? RareMatches.None) with { SourceNotInAny = value }); }

    /// <summary><c>-m set ! --match-set NAME dst</c> on a hash:net set: the destination is in none of these prefixes.</summary>
    public IReadOnlyList<Ipv4Prefix>? DestinationNotInAny { get => _rare is { } r ? r.DestinationNotInAny : default; init => SetRare((_rare ?? RareMatches.None) with { DestinationNotInAny = value }); }

    public Ipv4Prefix? Destination { get; init; }

    /// <summary><c>! -d PREFIX</c>: the destination is outside this prefix (flannel's ip-masq rule).</summary>
    public Ipv4Prefix? DestinationNotIn { get => _rare is { } r ? r.DestinationNotIn : default; init => SetRare((_rare ?? RareMatches.None) with { DestinationNotIn = value }); }
    public IpProtocol? Protocol { get; init; }
    public ushort? DestinationPort { get; init; }

    /// <summary><c>-p icmp --icmp-type fragmentation-needed</c>: an ICMP destination unreachable, type 3 code 4.</summary>
    public bool IcmpFragmentationNeeded { get => _rare is { } r ? r.IcmpFragmentationNeeded : default; init => SetRare((_rare ?? RareMatches.None) with { IcmpFragmentationNeeded = value }); }

    /// <summary><c>-i</c>: an interface name, or a prefix ending in '+' (cali+).</summary>
    public string? InInterface { get => _rare is { } r ? r.InInterface : default; init => SetRare((_rare ?? RareMatches.None) with { InInterface = value }); }

    /// <summary><c>-o</c>, as <see cref="InInterface"/>.</summary>
    public string? OutInterface { get => _rare is { } r ? r.OutInterface : default; init => SetRare((_rare ?? RareMatches.None) with { OutInterface = value }); }

    /// <summary><c>-m addrtype --dst-type LOCAL</c>: the destination is an address of this namespace.</summary>
    public bool? DestinationIsLocal { get => _rare is { } r ? r.DestinationIsLocal : default; init => SetRare((_rare ?? RareMatches.None) with { DestinationIsLocal = value }); }

    /// <summary><c>-m addrtype --src-type LOCAL</c>: the source is an address of this namespace.</summary>
    public bool? SourceIsLocal { get => _rare is { } r ? r.SourceIsLocal : default; init => SetRare((_rare ?? RareMatches.None) with { SourceIsLocal = value }); }

    /// <summary><c>-m mark --mark M/M</c>: all these bits set.</summary>
    public uint? MarkSet { get => _rare is { } r ? r.MarkSet : default; init => SetRare((_rare ?? RareMatches.None) with { MarkSet = value }); }

    /// <summary><c>-m statistic --mode random --probability P</c>.</summary>
    public double? Probability { get; init; }

    /// <summary><c>-m recent</c> (or an nftables dynamic set): sets or checks the source in a per-namespace list (<see cref="RecentMatch"/>); evaluated after every other match.</summary>
    public RecentMatch? Recent { get => _rare is { } r ? r.Recent : default; init => SetRare((_rare ?? RareMatches.None) with { Recent = value }); }

    public RuleTarget Target { get; init; }

    /// <summary>The chain of a <see cref="RuleTarget.Jump"/> or <see cref="RuleTarget.Goto"/>.</summary>
    public Chain? JumpTo { get; init; }

    /// <summary>Address (and port, 0 to keep it) of a DNAT or SNAT target.</summary>
    public Ipv4Address NatAddress { get; init; }
    public ushort NatPort { get; init; }

    /// <summary>A SNAT or MASQUERADE rule's <c>--random-fully</c>, or none (<see cref="NatPortSelection.KeepSource"/>).</summary>
    public NatPortSelection PortSelection { get => _rare is { } r ? r.PortSelection : default; init => SetRare((_rare ?? RareMatches.None) with { PortSelection = value }); }

    /// <summary>
    /// <c>--to-ports MIN[-MAX]</c> of a SNAT or MASQUERADE rule (NF_NAT_RANGE_PROTO_SPECIFIED); 0 for none, when the
    /// range follows the original port (1-511, 600-1023 or 1024-65535, nf_nat_l4proto_unique_tuple).
    /// </summary>
    public ushort ToPortsMin { get => _rare is { } r ? r.ToPortsMin : default; init => SetRare((_rare ?? RareMatches.None) with { ToPortsMin = value }); }

    /// <summary>The upper end of <see cref="ToPortsMin"/>'s range (equal to it for one port).</summary>
    public ushort ToPortsMax { get => _rare is { } r ? r.ToPortsMax : default; init => SetRare((_rare ?? RareMatches.None) with { ToPortsMax = value }); }

    /// <summary>Bits a <see cref="RuleTarget.Mark"/> target sets.</summary>
    public uint SetMark { get => _rare is { } r ? r.SetMark : default; init => SetRare((_rare ?? RareMatches.None) with { SetMark = value }); }

    /// <summary>Bits a <see cref="RuleTarget.Mark"/> target clears first (<c>--set-xmark VALUE/MASK</c>: mask bits cleared, value bits set).</summary>
    public uint ClearMark { get => _rare is { } r ? r.ClearMark : default; init => SetRare((_rare ?? RareMatches.None) with { ClearMark = value }); }

    /// <summary>The map of a <see cref="RuleTarget.VerdictMap"/> rule.</summary>
    public VerdictMap? Map { get => _rare is { } r ? r.Map : default; init => SetRare((_rare ?? RareMatches.None) with { Map = value }); }

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

    /// <summary>The fields of <see cref="Rule"/> that most rules leave unset (documented there).</summary>
    internal sealed record RareMatches
    {
        public static readonly RareMatches None = new();

    public Ipv4Prefix? SourceNotIn { get; init; }
    public bool NewConnectionOnly { get; init; }
    public bool EstablishedOnly { get; init; }
    public IpSet? SourceSet { get; init; }
    public IpSet? DestinationSet { get; init; }
    public PortSet? DestinationPortSet { get; init; }
    public IReadOnlyList<Ipv4Prefix>? SourceNotInAny { get; init; }
    public IReadOnlyList<Ipv4Prefix>? DestinationNotInAny { get; init; }
    public Ipv4Prefix? DestinationNotIn { get; init; }
    public bool IcmpFragmentationNeeded { get; init; }
    public string? InInterface { get; init; }
    public string? OutInterface { get; init; }
    public bool? DestinationIsLocal { get; init; }
    public bool? SourceIsLocal { get; init; }
    public uint? MarkSet { get; init; }
    public RecentMatch? Recent { get; init; }
    public NatPortSelection PortSelection { get; init; }
    public ushort ToPortsMin { get; init; }
    public ushort ToPortsMax { get; init; }
    public uint SetMark { get; init; }
    public uint ClearMark { get; init; }
    public VerdictMap? Map { get; init; }
    }
}
