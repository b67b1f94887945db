using NetPerf.Network.Netfilter;

namespace NetPerf.Scenarios.Model;

/// <summary>
/// A scenario's <c>kernel:</c>: the nodes' kernel line, for the behaviours that changed between lines. Only
/// conntrack's insertion-race handling (<see cref="ConntrackClashResolution"/>), NAT's search for a free source
/// port (<see cref="Network.Netfilter.NatPortSearch"/>) and connect()'s (<see cref="Network.Topology.ConnectPortSearch"/>)
/// differ here; everything else is the modelled 6.18 whatever the line. The older lines are those lines as released:
/// their stable updates of 2022 took newer NAT and connect() port searches.
/// </summary>
public sealed record KernelLine(string Name, ConntrackClashResolution ClashResolution, NatPortSearch NatPortSearch, Network.Topology.ConnectPortSearch ConnectPortSearch)
{
    /// <summary>Before ed07d9a021df (v4.19): a NATed clash is always dropped; NAT's shared rover; connect()'s global hint.</summary>
    public static readonly KernelLine Linux4_14 = new("4.14", ConntrackClashResolution.UntranslatedOnly, NatPortSearch.SharedRover, Network.Topology.ConnectPortSearch.GlobalHint);

    /// <summary>
    /// v4.19 to v5.5, 5.4 as released (v5.4.0, 2019; Ubuntu 20.04 shipped it): an identical clash is merged, one
    /// DNATed elsewhere dropped; connect()'s global hint. A 5.4 with the 2022 stable updates (5.4.y, as a current
    /// Ubuntu 20.04 kernel) searches connect()'s port as 6.18 does.
    /// </summary>
    public static readonly KernelLine Linux5_4 = new("5.4", ConntrackClashResolution.MatchingOnly, NatPortSearch.RandomOffset, Network.Topology.ConnectPortSearch.GlobalHint);

    /// <summary>The modelled kernel (and every line since 6a757c07e51f, v5.6): UDP clashes inserted.</summary>
    public static readonly KernelLine Linux6_18 = new("6.18", ConntrackClashResolution.InsertClashing, NatPortSearch.RandomOffsetReusingTimeWait, Network.Topology.ConnectPortSearch.PerturbTable);

    public static readonly IReadOnlyList<KernelLine> All = [Linux4_14, Linux5_4, Linux6_18];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(k => k.Name)];

    public static KernelLine Get(string name) => All.First(k => k.Name == name);

    /// <summary>IPv4 BIG TCP (gso_ipv4_max_size and gro_ipv4_max_size, Linux 6.3): of the modelled lines, 6.18 only.</summary>
    public bool HasIpv4BigTcp => this == Linux6_18;

    public override string ToString() => Name;
}
