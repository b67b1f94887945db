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

    private static (Simulator, PacketPool, Link, Sink) TenGig(int queue = 1000)
    {
        var sim = new Simulator();
        var pool = new PacketPool();
        var link = new Link(sim, pool, 10_000_000_000, SimTime.FromMicroseconds(1), queuePackets: queue);
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
}
