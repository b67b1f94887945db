using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Fabric;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Tests.Fabric;

/// <summary>What a frame and a TSO burst cost crossing the top-of-rack switch.</summary>
public class L2SwitchTests
{
    /// <summary>The simulated time of each NicReceive on the far host's NIC.</summary>
    private sealed class NicReceiveTimes(Host host) : IPacketTracer
    {
        public List<SimTime> At { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
            if (stage == KernelStage.NicReceive)
            {
                At.Add(host.Sim.Now);
            }
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }

    /// <summary>Two hosts with free CPU, so only the wire counts: 10 Gbit/s and 1 us of cable each side of the switch.</summary>
    private static (Testbed, PhysicalNic, PhysicalNic, NicReceiveTimes) TwoHostsOnASwitch()
    {
        var bed = new Testbed();
        var fabric = new L2Switch(bed, "tor", 10_000_000_000, SimTime.FromMicroseconds(1));
        var a = new Host(bed, "a", CostTable.Free(), cores: 1);
        var b = new Host(bed, "b", CostTable.Free(), cores: 1);
        var nicA = new PhysicalNic(a.Root, "eth0");
        var nicB = new PhysicalNic(b.Root, "eth0");
        fabric.Connect(nicA);
        fabric.Connect(nicB);
        var times = new NicReceiveTimes(b);
        b.Tracer = times;
        return (bed, nicA, nicB, times);
    }

    private static void Send(Testbed bed, PhysicalNic from, PhysicalNic to, int segments)
    {
        int id = bed.Pool.Rent();
        ref var p = ref bed.Pool[id];
        p.Flow = new FiveTuple(Ipv4Address.Parse("192.168.0.2"), Ipv4Address.Parse("192.168.0.1"), IpProtocol.Tcp, 8080, 32768);
        p.TransportHeaderBytes = 32;
        p.PayloadBytes = segments * 1448;
        p.GsoSegments = segments > 1 ? segments : 0;
        p.GsoSize = segments > 1 ? 1448 : 0;
        p.Ttl = 64;
        p.SourceMac = from.Mac;
        p.DestinationMac = to.Mac;
        var walk = new PacketWalk(from.Host, id);
        from.Transmit(ref walk);
    }

    [Fact]
    public void A_32_KiB_TSO_burst_reaches_the_far_host_one_burst_and_one_frame_after_it_left_as_the_switch_forwards_frame_by_frame()
    {
        // 23 frames of 1500 B IP (1538 B on the wire, 1,230.4 ns at 10 Gbit/s): the burst takes 28,299.2 ns on
        // the wire. The switch sends frame 1 on while frame 2 comes in, so the far NIC has the last frame one
        // frame after the switch had it: 24 frame times and two cables, not the two bursts of a switch that
        // stored the whole burst (58,598.4 ns).
        var (bed, a, b, times) = TwoHostsOnASwitch();
        Send(bed, a, b, 23);
        bed.Sim.Run();
        Assert.Equal(SimTime.FromPicoseconds((24 * 1_230_400L) + (2 * 1_000_000)), Assert.Single(times.At));
    }

    [Fact]
    public void A_single_frame_through_the_switch_is_stored_and_forwarded_two_serialisations()
    {
        var (bed, a, b, times) = TwoHostsOnASwitch();
        Send(bed, a, b, 1);
        bed.Sim.Run();
        Assert.Equal(SimTime.FromPicoseconds((2 * 1_230_400L) + (2 * 1_000_000)), Assert.Single(times.At));
    }
}
