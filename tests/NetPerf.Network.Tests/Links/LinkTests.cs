using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Links;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Links;

public class LinkTests
{
    private sealed class Sink(Simulator sim, PacketPool pool) : IFrameReceiver
    {
        public List<(SimTime At, int FlowId)> Arrivals { get; } = [];

        public void OnFrame(int packet)
        {
            Arrivals.Add((sim.Now, pool[packet].FlowId));
            pool.Return(packet);
        }
    }

    private static int Udp(PacketPool pool, int ipLength)
    {
        int id = pool.Rent();
        ref var p = ref pool[id];
        p.Flow = new FiveTuple(Ipv4Address.Parse("192.168.0.1"), Ipv4Address.Parse("192.168.0.2"), IpProtocol.Udp, 1, 2);
        p.TransportHeaderBytes = HeaderSizes.Udp;
        p.PayloadBytes = ipLength - 28;
        return id;
    }

    private static (Simulator, PacketPool, Link, Sink) TenGig(int queue = 1000, QueueUnit unit = QueueUnit.Packets)
    {
        var sim = new Simulator();
        var pool = new PacketPool();
        var link = new Link(sim, pool, 10_000_000_000, SimTime.FromMicroseconds(1), queuePackets: queue, unit: unit);
        var sink = new Sink(sim, pool);
        link.Connect(sink);
        return (sim, pool, link, sink);
    }

    [Fact]
    public void A_full_size_frame_arrives_after_its_serialisation_plus_the_propagation_delay()
    {
        // 1538 B on the wire x 8 / 10 Gbit/s = 1230.4 ns, plus 1 us of fibre.
        var (sim, pool, link, sink) = TenGig();
        link.Send(Udp(pool, 1500));
        sim.Run();
        Assert.Equal(SimTime.FromPicoseconds(1_230_400 + 1_000_000), Assert.Single(sink.Arrivals).At);
    }

    [Fact]
    public void A_minimum_frame_takes_84_byte_times_on_the_wire()
    {
        var (sim, pool, link, sink) = TenGig();
        link.Send(Udp(pool, 28));
        sim.Run();
        Assert.Equal(SimTime.FromPicoseconds(67_200 + 1_000_000), sink.Arrivals[0].At);
    }

    [Fact]
    public void Back_to_back_frames_arrive_one_serialisation_time_apart_in_order()
    {
        var (sim, pool, link, sink) = TenGig();
        for (int i = 0; i < 10; i++)
        {
            int id = Udp(pool, 1500);
            pool[id].FlowId = i;
            link.Send(id);
        }

        sim.Run();
        Assert.Equal(Enumerable.Range(0, 10), sink.Arrivals.Select(a => a.FlowId));
        var times = sink.Arrivals.Select(a => a.At.Picoseconds).ToArray();
        for (int k = 0; k < times.Length; k++)
        {
            Assert.Equal(1_000_000 + ((k + 1) * 1_230_400L), times[k]);
        }
    }

    [Fact]
    public void A_drop_tail_queue_keeps_one_on_the_line_plus_its_capacity_and_counts_the_rest()
    {
        var (sim, pool, link, sink) = TenGig(queue: 8);
        int accepted = Enumerable.Range(0, 20).Count(_ => link.Send(Udp(pool, 1500)));
        sim.Run();
        Assert.Equal(9, accepted);
        Assert.Equal(11, link.QueueDrops);
        Assert.Equal(9, sink.Arrivals.Count);
        Assert.Equal(8, link.MaxQueueLength);
        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void A_packet_larger_than_the_mtu_is_dropped_and_counted()
    {
        var (sim, pool, link, sink) = TenGig();
        Assert.False(link.Send(Udp(pool, 1501)));
        sim.Run();
        Assert.Equal(1, link.OversizeDrops);
        Assert.Empty(sink.Arrivals);
    }

    [Fact]
    public void Saturated_with_full_frames_the_link_delivers_1500_of_every_1538_bytes_of_line_rate()
    {
        // Offer more than line rate for 1 ms: IP throughput is 10 Gbit/s x 1500 / 1538 = 9.7529 Gbit/s.
        var (sim, pool, link, sink) = TenGig(queue: 100_000);
        for (int i = 0; i < 1000; i++)
        {
            link.Send(Udp(pool, 1500));
        }

        sim.Run();
        var last = sink.Arrivals[^1].At - link.Propagation;
        double ipBitsPerSecond = 1000 * 1500 * 8 / last.TotalSeconds;
        Assert.Equal(10e9 * 1500 / 1538, ipBitsPerSecond, 1e-6 * 10e9);
    }

    private static int TcpSuperPacket(PacketPool pool, int segments, int mss = 1448)
    {
        int id = pool.Rent();
        ref var p = ref pool[id];
        p.Flow = new FiveTuple(Ipv4Address.Parse("192.168.0.1"), Ipv4Address.Parse("192.168.0.2"), IpProtocol.Tcp, 1, 2);
        p.TransportHeaderBytes = 32;
        p.PayloadBytes = segments * mss;
        p.GsoSegments = segments;
        p.GsoSize = mss;
        p.Tcp.Sequence = 1;
        p.Tcp.Flags = TcpFlags.Ack | TcpFlags.Fin;
        return id;
    }

    [Fact]
    public void A_GSO_packet_occupies_the_line_for_all_its_segments_each_a_full_frame_with_its_own_headers()
    {
        var (sim, pool, link, sink) = TenGig();
        link.Send(TcpSuperPacket(pool, 10));
        sim.Run();

        // Ten frames of 1500 B IP: 1538 B on the wire each, 1,230.4 ns at 10 Gbit/s; then 1 us of propagation.
        Assert.Equal(10, link.TransmittedPackets);
        Assert.Equal(10 * 1538, link.TransmittedWireBytes);
        Assert.Equal(SimTime.FromNanoseconds(12_304) + SimTime.FromMicroseconds(1), Assert.Single(sink.Arrivals).At);
    }

    [Fact]
    public void A_full_frame_counted_queue_drops_a_GSO_burst_frame_by_frame_from_its_tail()
    {
        var (sim, pool, link, _) = TenGig(queue: 4, unit: QueueUnit.Frames);
        var kept = new List<(int Segments, int Payload, TcpFlags Flags)>();
        link.Connect(new Recorder(pool, kept));
        link.Send(TcpSuperPacket(pool, 1));   // on the line
        link.Send(TcpSuperPacket(pool, 10));  // 4 of its 10 frames fit in the queue
        link.Send(TcpSuperPacket(pool, 2));   // no room left
        sim.Run();

        Assert.Equal(6 + 2, link.QueueDrops);
        Assert.Equal([(1, 1448, TcpFlags.Ack | TcpFlags.Fin), (4, 4 * 1448, TcpFlags.Ack)], kept); // the FIN went with the tail
        Assert.Equal(5, link.TransmittedPackets);
    }

    [Fact]
    public void A_packet_counted_queue_like_a_qdisc_holds_a_GSO_packet_in_one_slot()
    {
        var (sim, pool, link, _) = TenGig(queue: 2);
        var kept = new List<(int Segments, int Payload, TcpFlags Flags)>();
        link.Connect(new Recorder(pool, kept));
        link.Send(TcpSuperPacket(pool, 1));   // on the line
        link.Send(TcpSuperPacket(pool, 40));  // one skb of 40 segments
        link.Send(TcpSuperPacket(pool, 40));  // and another
        link.Send(TcpSuperPacket(pool, 3));   // the qdisc is full: all three segments go
        sim.Run();

        Assert.Equal(3, link.QueueDrops);
        Assert.Equal([1, 40, 40], kept.Select(k => k.Segments));
    }

    /// <summary>A switch port: forwards each frame as it comes in, so it takes a burst when its first frame is in.</summary>
    private sealed class PerFrameRelay(Simulator sim, Link egress) : IFrameReceiver
    {
        public List<SimTime> Arrivals { get; } = [];

        public bool ForwardsPerFrame => true;

        public void OnFrame(int packet)
        {
            Arrivals.Add(sim.Now);
            egress.Send(packet);
        }
    }

    /// <summary>host -> switch port -> host, each cable 1 us long; the switch's egress runs at <paramref name="egressBitsPerSecond"/>.</summary>
    private static (Simulator, PacketPool, Link, PerFrameRelay, Sink) ThroughOneSwitch(long egressBitsPerSecond = 10_000_000_000)
    {
        var sim = new Simulator();
        var pool = new PacketPool();
        var ingress = new Link(sim, pool, 10_000_000_000, SimTime.FromMicroseconds(1));
        var egress = new Link(sim, pool, egressBitsPerSecond, SimTime.FromMicroseconds(1), queuePackets: 1000, unit: QueueUnit.Frames);
        var relay = new PerFrameRelay(sim, egress);
        var sink = new Sink(sim, pool);
        ingress.Connect(relay);
        egress.Connect(sink);
        return (sim, pool, ingress, relay, sink);
    }

    [Fact]
    public void A_32_KiB_TSO_burst_across_a_switch_arrives_one_burst_and_one_frame_after_it_began_to_leave_not_two_bursts()
    {
        // A switch stores and forwards each frame, not the burst: frame 1 leaves the switch while frame 2 arrives,
        // so the last frame reaches the far host one frame after it reached the switch. 23 frames of 1538 B on
        // the wire at 10 Gbit/s: 1,230.4 ns each, 28,299.2 ns the burst; plus 2 x 1 us of cable.
        var (sim, pool, ingress, relay, sink) = ThroughOneSwitch();
        ingress.Send(TcpSuperPacket(pool, 23));
        sim.Run();

        Assert.Equal(SimTime.FromPicoseconds(1_230_400 + 1_000_000), Assert.Single(relay.Arrivals)); // first frame in
        long oneBurstOneFrame = (23 * 1_230_400L) + 1_230_400 + (2 * 1_000_000);
        Assert.Equal(SimTime.FromPicoseconds(oneBurstOneFrame), Assert.Single(sink.Arrivals).At);
        Assert.True(oneBurstOneFrame < (2 * 23 * 1_230_400L) + (2 * 1_000_000)); // the old whole-burst figure
    }

    [Fact]
    public void A_single_frame_across_a_switch_is_still_stored_and_forwarded_two_serialisations()
    {
        var (sim, pool, ingress, _, sink) = ThroughOneSwitch();
        ingress.Send(Udp(pool, 1500));
        sim.Run();
        Assert.Equal(SimTime.FromPicoseconds((2 * 1_230_400) + (2 * 1_000_000)), Assert.Single(sink.Arrivals).At);
    }

    [Fact]
    public void A_faster_egress_is_paced_by_the_arrivals_its_last_frame_leaves_once_it_has_come_in()
    {
        // 10 Gbit/s in, 100 Gbit/s out: the egress could send 23 frames in 2,829.9 ns but has them only as they
        // arrive, so the last one leaves 123.04 ns (its serialisation at 100 Gbit/s) after it came in.
        var (sim, pool, ingress, _, sink) = ThroughOneSwitch(egressBitsPerSecond: 100_000_000_000);
        ingress.Send(TcpSuperPacket(pool, 23));
        sim.Run();
        Assert.Equal(SimTime.FromPicoseconds((23 * 1_230_400L) + 1_000_000 + 123_040 + 1_000_000), Assert.Single(sink.Arrivals).At);
    }

    [Fact]
    public void A_slower_egress_sets_the_pace_from_the_first_frame_in()
    {
        // 10 Gbit/s in, 1 Gbit/s out: 12,304 ns a frame out, started as soon as the first frame is in.
        var (sim, pool, ingress, _, sink) = ThroughOneSwitch(egressBitsPerSecond: 1_000_000_000);
        ingress.Send(TcpSuperPacket(pool, 23));
        sim.Run();
        Assert.Equal(SimTime.FromPicoseconds(1_230_400 + 1_000_000 + (23 * 12_304_000L) + 1_000_000), Assert.Single(sink.Arrivals).At);
    }

    [Fact]
    public void The_line_into_a_switch_stays_busy_for_the_whole_burst_though_the_switch_has_it_from_the_first_frame()
    {
        var (sim, pool, ingress, relay, _) = ThroughOneSwitch();
        ingress.Send(TcpSuperPacket(pool, 23));
        ingress.Send(Udp(pool, 1500)); // queued behind the burst
        sim.Run();
        Assert.Equal(SimTime.FromPicoseconds((24 * 1_230_400L) + 1_000_000), relay.Arrivals[1]);
        Assert.Equal(0, pool.InUse);
    }

    private sealed class Recorder(PacketPool pool, List<(int, int, TcpFlags)> kept) : IFrameReceiver
    {
        public void OnFrame(int packet)
        {
            kept.Add((pool[packet].Segments, pool[packet].PayloadBytes, pool[packet].Tcp.Flags));
            pool.Return(packet);
        }
    }
}
