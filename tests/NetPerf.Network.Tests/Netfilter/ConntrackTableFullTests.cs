using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// nf_conntrack_max and what the kernel does at it (__nf_conntrack_alloc, early_drop, gc_worker in
/// nf_conntrack_core.c; the TCP states of nf_conntrack_proto_tcp.c).
/// </summary>
public class ConntrackTableFullTests
{
    private static readonly Ipv4Address Client = Ipv4Address.Parse("10.244.1.2");
    private static readonly Ipv4Address Server = Ipv4Address.Parse("10.96.0.10");
    private static readonly long Ms = SimTime.FromMilliseconds(1).Picoseconds;

    private static FiveTuple Tcp(int port) => new(Client, Server, IpProtocol.Tcp, (ushort)(10_000 + port), 80);

    /// <summary>Opens a connection through its handshake (and, if asked, its close); false if its SYN was dropped.</summary>
    private static bool Connect(Conntrack ct, FiveTuple flow, long now, bool close)
    {
        int id = ct.Create(flow, now, TcpFlags.Syn);
        if (id == 0)
        {
            return false;
        }

        Assert.True(ct.Confirm(id, now));
        ct.Refresh(id, reply: true, now, TcpFlags.Syn | TcpFlags.Ack);
        ct.Refresh(id, reply: false, now, TcpFlags.Ack);
        if (close)
        {
            ct.Refresh(id, reply: false, now, TcpFlags.Fin | TcpFlags.Ack);
            ct.Refresh(id, reply: true, now, TcpFlags.Fin | TcpFlags.Ack);
            ct.Refresh(id, reply: false, now, TcpFlags.Ack);
        }

        return true;
    }

    [Fact]
    public void A_tcp_entry_is_assured_on_the_handshakes_third_packet_and_not_before()
    {
        var ct = new Conntrack(64);
        var flow = Tcp(1);
        int id = ct.Create(flow, 0, TcpFlags.Syn);
        ct.Confirm(id, 0);
        Assert.Equal((TcpConntrackState.SynSent, false), ct.Describe(flow, 0));
        ct.Refresh(id, reply: true, 0, TcpFlags.Syn | TcpFlags.Ack);
        Assert.Equal((TcpConntrackState.SynRecv, false), ct.Describe(flow, 0));
        ct.Refresh(id, reply: false, 0, TcpFlags.Ack);
        Assert.Equal((TcpConntrackState.Established, true), ct.Describe(flow, 0));
    }

    [Fact]
    public void A_closed_connection_waits_in_time_wait_for_120_s_and_is_gone_after()
    {
        var ct = new Conntrack(64);
        var flow = Tcp(1);
        Assert.True(Connect(ct, flow, 0, close: true));
        Assert.Equal((TcpConntrackState.TimeWait, true), ct.Describe(flow, 0));
        Assert.NotNull(ct.Describe(flow, SimTime.FromSeconds(119).Picoseconds));
        Assert.Null(ct.Describe(flow, SimTime.FromSeconds(121).Picoseconds));
    }

    [Fact]
    public void A_udp_flow_is_assured_only_once_it_is_a_stream_still_active_2_s_after_it_began()
    {
        var ct = new Conntrack(64);
        var flow = new FiveTuple(Client, Server, IpProtocol.Udp, 5000, 53);
        int id = ct.Create(flow, 0);
        ct.Confirm(id, 0);
        ct.Refresh(id, reply: true, Ms);          // the answer
        ct.Refresh(id, reply: false, 2 * Ms);     // another query, 2 ms in: still not a stream
        Assert.Equal(false, ct.Describe(flow, 2 * Ms)?.Assured);
        long later = SimTime.FromSeconds(3).Picoseconds;
        ct.Refresh(id, reply: false, later);
        Assert.Equal(true, ct.Describe(flow, later)?.Assured);
    }

    [Fact]
    public void A_full_table_of_unreplied_syns_makes_room_by_early_drop_and_drops_nothing()
    {
        // A SYN flood (or flows whose answers never came): no entry is ASSURED, so early_drop finds one to evict.
        var ct = new Conntrack(64);
        for (int i = 0; i < 64; i++)
        {
            ct.Confirm(ct.Create(Tcp(i), 0, TcpFlags.Syn), 0);
        }

        for (int i = 64; i < 200; i++)
        {
            int id = ct.Create(Tcp(i), Ms, TcpFlags.Syn);
            Assert.NotEqual(0, id);
            ct.Confirm(id, Ms);
        }

        Assert.Equal(0, ct.TableFullDrops);
        Assert.True(ct.EarlyDrops >= 136, $"early_drop evicted {ct.EarlyDrops} for 136 new connections");
        Assert.True(ct.Count <= 64);
    }

    [Fact]
    public void A_full_table_of_established_flows_drops_new_syns_and_counts_them_and_the_collector_cannot_help()
    {
        var ct = new Conntrack(64);
        for (int i = 0; i < 64; i++)
        {
            Assert.True(Connect(ct, Tcp(i), 0, close: false));
        }

        for (int i = 64; i < 74; i++)
        {
            Assert.False(Connect(ct, Tcp(i), Ms, close: false));
        }

        Assert.Equal(10, ct.TableFullDrops);
        Assert.Equal(0, ct.EarlyDrops);

        // Long after the collector's due passes, the table is still full of ESTABLISHED entries: nothing to kill.
        long later = SimTime.FromSeconds(200).Picoseconds;
        Assert.False(Connect(ct, Tcp(99), later, close: false));
        Assert.False(Connect(ct, Tcp(100), later + Ms, close: false));
        Assert.Equal(0, ct.GcEarlyDrops);
        Assert.Equal(12, ct.TableFullDrops);
    }

    [Fact]
    public void Time_wait_entries_are_assured_so_the_packet_path_drops_until_the_collector_kills_them()
    {
        // A burst of short connections: each leaves an ASSURED entry in TIME_WAIT. early_drop skips ASSURED ones,
        // so new SYNs are dropped; the drop tells gc_worker to early-drop, and its next pass (1 s after the table
        // was created) kills every entry in a closing state (tcp_can_early_drop), after which SYNs get in again.
        var ct = new Conntrack(64);
        int port = 0;
        for (; port < 64; port++)
        {
            Assert.True(Connect(ct, Tcp(port), port * Ms, close: true));
        }

        Assert.False(Connect(ct, Tcp(port++), 100 * Ms, close: true));
        Assert.Equal(1, ct.TableFullDrops);
        Assert.Equal(0, ct.EarlyDrops);

        long afterPass = SimTime.FromSeconds(1).Picoseconds;
        Assert.True(Connect(ct, Tcp(port++), afterPass, close: true));
        Assert.Equal(64, ct.GcEarlyDrops);
        Assert.Equal(1, ct.TableFullDrops);
    }

    [Fact]
    public void A_larger_table_removes_a_short_connection_bursts_drops_and_a_shorter_time_wait_cuts_them()
    {
        int Drops(ConntrackSysctls sysctls)
        {
            var ct = new Conntrack(sysctls);
            for (int i = 0; i < 500; i++)
            {
                Connect(ct, Tcp(i), i * 10 * Ms, close: true); // 100 connections a second for 5 s
            }

            return (int)ct.TableFullDrops;
        }

        int small = Drops(new ConntrackSysctls { Max = 64 });
        Assert.True(small > 0);
        Assert.Equal(0, Drops(new ConntrackSysctls { Max = 1024 })); // 120 s x 100/s would need 12,000; 5 s needs 500
        // Expired entries are reaped only when met (a lookup, early_drop's buckets, the collector's pass), and an
        // allocation that only reaped still fails (early_drop returns true only for a drop), so a short TIME_WAIT
        // cuts the drops without ending them.
        int shortWait = Drops(new ConntrackSysctls
        {
            Max = 64,
            Timeouts = ConntrackTimeouts.Kernel with { TcpTimeWait = SimTime.FromMilliseconds(500) },
        });
        Assert.True(shortWait * 4 < small, $"{shortWait} drops with a 0.5 s TIME_WAIT, {small} with 120 s");
    }

    [Fact]
    public void A_syn_reusing_a_time_wait_tuple_reopens_it_as_a_new_connection()
    {
        var ct = new Conntrack(64);
        var flow = Tcp(1);
        Connect(ct, flow, 0, close: true);
        Assert.True(ct.TryFind(flow, Ms, out int id, out bool reply));
        Assert.True(ct.ReopensClosed(id, reply, TcpFlags.Syn));
        Assert.Null(ct.Describe(flow, Ms));
    }
}
