using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// The insertion race of two packets of one UDP flow (a resolver's A and AAAA from one socket) looked up on two
/// CPUs before either was confirmed, and how each kernel line settles it at confirmation (nf_ct_resolve_clash).
/// </summary>
public class ConntrackClashTests
{
    private static readonly Ipv4Address Client = Ipv4Address.Parse("10.244.1.2");
    private static readonly Ipv4Address KubeDns = Ipv4Address.Parse("10.96.0.10");
    private static readonly Ipv4Address CoreDns1 = Ipv4Address.Parse("10.244.2.5");
    private static readonly Ipv4Address CoreDns2 = Ipv4Address.Parse("10.244.3.7");
    private static readonly FiveTuple Query = new(Client, KubeDns, IpProtocol.Udp, 41_337, 53);

    /// <summary>Both packets allocate an entry and are DNATed (to the endpoints given) before either confirms; the first then confirms on CPU 0.</summary>
    private static (Conntrack Table, int Loser, ConfirmOutcome Outcome, int Winner) Race(ConntrackClashResolution kernel, Ipv4Address first, Ipv4Address second)
    {
        var ct = new Conntrack(new ConntrackSysctls { ClashResolution = kernel });
        int a = ct.Create(Query, 0);
        int b = ct.Create(Query, 0);
        ct[a].Reply = new FiveTuple(first, Client, IpProtocol.Udp, 53, 41_337);
        ct[b].Reply = new FiveTuple(second, Client, IpProtocol.Udp, 53, 41_337);
        Assert.Equal(ConfirmOutcome.Inserted, ct.Confirm(a, 0, core: 0, visibleAtPs: 1_000_000, out _));
        var outcome = ct.Confirm(b, 0, core: 1, visibleAtPs: 1_200_000, out int winner);
        return (ct, b, outcome, winner);
    }

    [Fact]
    public void Before_4_19_a_natted_loser_is_dropped_even_when_dnat_chose_the_same_endpoint()
    {
        var (ct, _, outcome, _) = Race(ConntrackClashResolution.UntranslatedOnly, CoreDns1, CoreDns1);
        Assert.Equal(ConfirmOutcome.Dropped, outcome);
        Assert.Equal(1, ct.InsertFailed);
        Assert.Equal(1, ct.Count);
    }

    [Fact]
    public void Before_4_19_an_identical_entry_without_nat_is_merged()
    {
        var ct = new Conntrack(new ConntrackSysctls { ClashResolution = ConntrackClashResolution.UntranslatedOnly });
        int a = ct.Create(Query, 0);
        int b = ct.Create(Query, 0);
        ct.Confirm(a, 0, 0, 0, out _);
        Assert.Equal(ConfirmOutcome.Merged, ct.Confirm(b, 0, 1, 0, out int winner));
        Assert.Equal(a, winner);
        Assert.Equal(0, ct.InsertFailed);
    }

    [Fact]
    public void From_4_19_to_5_5_the_same_endpoint_is_merged_and_another_endpoint_dropped()
    {
        var same = Race(ConntrackClashResolution.MatchingOnly, CoreDns1, CoreDns1);
        Assert.Equal(ConfirmOutcome.Merged, same.Outcome);
        Assert.Equal(0, same.Table.InsertFailed);
        Assert.Equal(1, same.Table.ClashResolved);

        var other = Race(ConntrackClashResolution.MatchingOnly, CoreDns1, CoreDns2);
        Assert.Equal(ConfirmOutcome.Dropped, other.Outcome);
        Assert.Equal(1, other.Table.InsertFailed);
    }

    [Fact]
    public void From_5_6_a_loser_sent_to_another_endpoint_is_inserted_under_its_reply_only_and_its_answer_is_found()
    {
        var (ct, loser, outcome, _) = Race(ConntrackClashResolution.InsertClashing, CoreDns1, CoreDns2);
        Assert.Equal(ConfirmOutcome.Inserted, outcome);
        Assert.Equal(0, ct.InsertFailed);
        Assert.Equal(2, ct.Count);

        // The second endpoint's answer finds the loser (and is un-NATed by it); a retransmission finds the winner.
        Assert.True(ct.TryFind(new FiveTuple(CoreDns2, Client, IpProtocol.Udp, 53, 41_337), 0, out int id, out bool reply));
        Assert.Equal((loser, true), (id, reply));
        Assert.True(ct.TryFind(Query, 0, out int original, out _));
        Assert.NotEqual(loser, original);
    }

    [Fact]
    public void An_entry_is_hidden_from_another_cpu_until_its_confirmation_and_never_from_its_own()
    {
        var ct = new Conntrack(64);
        int a = ct.Create(Query, 0);
        ct.Confirm(a, 0, core: 0, visibleAtPs: 1_000, out _);
        Assert.True(ct.HiddenFrom(a, core: 1, atPs: 999));
        Assert.False(ct.HiddenFrom(a, core: 1, atPs: 1_000));
        Assert.False(ct.HiddenFrom(a, core: 0, atPs: 0));
    }
}
