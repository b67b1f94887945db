using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// A masquerade's source port, as get_unique_tuple and nf_nat_l4proto_unique_tuple choose it
/// (net/netfilter/nf_nat_core.c; before v5.0 nf_nat_proto_common.c).
/// </summary>
public class SnatPortsTests
{
    private static readonly Ipv4Address Node = Ipv4Address.Parse("192.168.0.1");
    private static readonly Ipv4Address Server = Ipv4Address.Parse("192.168.0.9");
    private static readonly Rule Masquerade = new() { Target = RuleTarget.Masquerade };

    private static Iptables Netfilter(NatPortSearch search)
    {
        var host = new Host(new Testbed(), "node", CostTable.Free(), 2);
        host.Conntrack.NatPortSearch = search;
        return host.Root.EnableNetfilter();
    }

    /// <summary>The reply tuple a new connection from <paramref name="pod"/>:<paramref name="port"/> to the server has once its source is the node's, before its port is chosen.</summary>
    private static FiveTuple ReplyOf(ushort port) => new(Server, Node, IpProtocol.Tcp, 80, port);

    private static FiveTuple From(string pod, ushort port) => new(Ipv4Address.Parse(pod), Server, IpProtocol.Tcp, port, 80);

    /// <summary>A confirmed connection holding <paramref name="natPort"/>, left established or taken through its close to TIME_WAIT.</summary>
    private static void Hold(Conntrack ct, ushort natPort, bool timeWait, string pod = "10.244.1.9")
    {
        int id = ct.Create(From(pod, natPort), 0, TcpFlags.Syn);
        ct[id].Reply = ReplyOf(natPort);
        Assert.True(ct.Confirm(id, 0));
        ct.Refresh(id, reply: true, 0, TcpFlags.Syn | TcpFlags.Ack);
        ct.Refresh(id, reply: false, 0, TcpFlags.Ack);
        if (timeWait)
        {
            ct.Refresh(id, reply: false, 0, TcpFlags.Fin | TcpFlags.Ack);
            ct.Refresh(id, reply: true, 0, TcpFlags.Fin | TcpFlags.Ack);
            ct.Refresh(id, reply: false, 0, TcpFlags.Ack);
        }
    }

    private static ushort Choose(Iptables nf, ushort original, Rule rule, int core = 0, bool synSent = true)
    {
        ushort rover = 0;
        var search = new SnatPorts.Search(nf, core, 0, 0, synSent);
        return SnatPorts.Choose(ref search, ReplyOf(original), rule, ref rover);
    }

    [Theory]
    [InlineData(40_000, 1024, 64_512)] // 1024-65535
    [InlineData(700, 600, 424)]        // 600-1023
    [InlineData(100, 1, 511)]          // 1-511: "Loose convention: >> 512 is credential passing"
    public void Without_to_ports_the_range_follows_the_original_port(int original, int min, int size)
    {
        Assert.Equal((min, size), SnatPorts.RangeOf(Masquerade, (ushort)original));
        Assert.Equal((30_000, 10), SnatPorts.RangeOf(Masquerade with { ToPortsMin = 30_000, ToPortsMax = 30_009 }, (ushort)original));
    }

    [Fact]
    public void A_connection_keeps_its_source_port_unless_another_connection_holds_it()
    {
        var nf = Netfilter(NatPortSearch.RandomOffsetReusingTimeWait);
        Assert.Equal(40_000, Choose(nf, 40_000, Masquerade));
        Hold(nf.Conntrack, 40_000, timeWait: false);
        ushort other = Choose(nf, 40_000, Masquerade);
        Assert.NotEqual(40_000, other);
        Assert.InRange(other, 1024, 65_535);
    }

    [Fact]
    public void With_random_fully_a_free_source_port_is_not_kept()
    {
        var nf = Netfilter(NatPortSearch.RandomOffsetReusingTimeWait);
        var randomFully = Masquerade with { PortSelection = NatPortSelection.RandomFully };
        var ports = Enumerable.Range(0, 8).Select(_ => Choose(nf, 40_000, randomFully)).ToList();
        Assert.DoesNotContain((ushort)40_000, ports);
        Assert.True(ports.Distinct().Count() > 1); // prandom, not a fixed offset
    }

    [Fact]
    public void A_held_port_is_replaced_by_the_free_one_left_in_to_ports_range()
    {
        var nf = Netfilter(NatPortSearch.RandomOffsetReusingTimeWait);
        var toPorts = Masquerade with { ToPortsMin = 30_000, ToPortsMax = 30_009 };
        for (ushort p = 30_000; p <= 30_009; p++)
        {
            if (p != 30_007)
            {
                Hold(nf.Conntrack, p, timeWait: false);
            }
        }

        Assert.Equal(30_007, Choose(nf, 30_002, toPorts)); // a range under 128 ports is searched whole
        Assert.Equal(30_007, Choose(nf, 41_000, toPorts)); // an original port outside the range is never kept
    }

    [Fact]
    public void In_the_last_32_attempts_a_new_SYN_evicts_a_TIME_WAIT_holder_and_takes_its_port_on_6_18_only()
    {
        // 100 ports all held by connections in TIME_WAIT (120 s in conntrack): one round of 100 attempts, the last
        // 32 of which may kill such a holder (nf_nat_used_tuple_harder, NF_NAT_HARDER_THRESH).
        var toPorts = Masquerade with { ToPortsMin = 20_000, ToPortsMax = 20_099 };
        var reusing = Netfilter(NatPortSearch.RandomOffsetReusingTimeWait);
        var before = Netfilter(NatPortSearch.RandomOffset);
        foreach (var nf in new[] { reusing, before })
        {
            for (ushort p = 20_000; p <= 20_099; p++)
            {
                Hold(nf.Conntrack, p, timeWait: true);
            }
        }

        ushort port = Choose(reusing, 20_000, toPorts);
        Assert.Equal(1, reusing.Conntrack.TimeWaitReused);
        Assert.Equal(99, reusing.Conntrack.Count);
        Assert.Null(reusing.Conntrack.Describe(ReplyOf(port), 0));

        // Without it the search gives up with a used port, and confirmation drops the SYN (insert_failed).
        ushort used = Choose(before, 20_000, toPorts);
        int id = before.Conntrack.Create(From("10.244.1.2", 20_000), 0, TcpFlags.Syn);
        before.Conntrack[id].Reply = ReplyOf(used);
        Assert.False(before.Conntrack.Confirm(id, 0));
        Assert.Equal(1, before.Conntrack.InsertFailed);
        Assert.Equal(0, before.Conntrack.TimeWaitReused);
    }

    [Fact]
    public void An_established_holder_is_never_evicted_nor_a_TIME_WAIT_one_for_a_packet_that_is_not_a_new_SYN()
    {
        var toPorts = Masquerade with { ToPortsMin = 20_000, ToPortsMax = 20_099 };
        var established = Netfilter(NatPortSearch.RandomOffsetReusingTimeWait);
        var timeWait = Netfilter(NatPortSearch.RandomOffsetReusingTimeWait);
        for (ushort p = 20_000; p <= 20_099; p++)
        {
            Hold(established.Conntrack, p, timeWait: false);
            Hold(timeWait.Conntrack, p, timeWait: true);
        }

        Choose(established, 20_000, toPorts);
        Choose(timeWait, 20_000, toPorts, synSent: false);
        Assert.Equal(100, established.Conntrack.Count);
        Assert.Equal(100, timeWait.Conntrack.Count);
    }

    /// <summary>
    /// Two new connections whose own ports are both held, set up on two CPUs before either is confirmed: each
    /// search sees the table without the other's entry.
    /// </summary>
    private static (ushort First, ushort Second, Conntrack Table) RaceOfSearches(NatPortSearch search)
    {
        var nf = Netfilter(search);
        var ct = nf.Conntrack;
        Hold(ct, 40_000, timeWait: true, pod: "10.244.1.7");
        Hold(ct, 40_001, timeWait: true, pod: "10.244.1.8");
        ushort rover = 1_000;
        var cpu0 = new SnatPorts.Search(nf, 0, 0, 0, synSent: true);
        var cpu1 = new SnatPorts.Search(nf, 1, 0, 0, synSent: true);
        ushort first = SnatPorts.Choose(ref cpu0, ReplyOf(40_000), Masquerade, ref rover);
        int a = ct.Create(From("10.244.1.2", 40_000), 0, TcpFlags.Syn);
        ct[a].Reply = ReplyOf(first);
        ct.Confirm(a, 0, core: 0, visibleAtPs: 1_000, out _); // hashed, but not yet as CPU 1 reads it
        ushort second = SnatPorts.Choose(ref cpu1, ReplyOf(40_001), Masquerade, ref rover);
        int b = ct.Create(From("10.244.1.3", 40_001), 0, TcpFlags.Syn);
        ct[b].Reply = ReplyOf(second);
        ct.Confirm(b, 0, core: 1, visibleAtPs: 1_000, out _);
        return (first, second, ct);
    }

    [Fact]
    public void Before_5_0_two_CPUs_searching_at_once_start_at_the_shared_rover_and_pick_the_same_port()
    {
        var (first, second, ct) = RaceOfSearches(NatPortSearch.SharedRover);
        Assert.Equal(first, second);
        Assert.Equal(1024 + 1_000, first); // min + rover % range
        Assert.Equal(1, ct.InsertFailed);
    }

    [Fact]
    public void Since_5_0_searches_start_at_random_offsets_and_the_same_race_does_not_clash()
    {
        var (first, second, ct) = RaceOfSearches(NatPortSearch.RandomOffsetReusingTimeWait);
        Assert.NotEqual(first, second);
        Assert.Equal(0, ct.InsertFailed);
    }
}
