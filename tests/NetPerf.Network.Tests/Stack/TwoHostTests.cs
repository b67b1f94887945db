using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Stack;

/// <summary>Two hosts cabled back to back, a UDP socket on each: the simplest path with a wire in it.</summary>
public class TwoHostTests
{
    private const long TenGig = 10_000_000_000;

    /// <summary>Every stage costs something different, so a missing or doubled stage shows in the sum.</summary>
    private static CostTable DistinctCosts()
    {
        var t = new CostTable();
        foreach (var stage in Enum.GetValues<KernelStage>())
        {
            t[stage] = new StageCost(((int)stage + 1) * 10_000L, (int)stage + 1); // (i+1) x 10 ns + (i+1) ps per byte
        }

        return t;
    }

    private static (Testbed, UdpSocket Client, UdpSocket Server, PhysicalNic ServerNic, Collector) Build(CostTable costs)
    {
        var bed = new Testbed();
        var a = new Host(bed, "a", costs, cores: 2);
        var b = new Host(bed, "b", costs, cores: 2);
        var ethA = new PhysicalNic(a.Root, "eth0");
        var ethB = new PhysicalNic(b.Root, "eth0");
        a.Root.AddAddress(ethA, "192.168.0.1/24");
        b.Root.AddAddress(ethB, "192.168.0.2/24");
        PhysicalNic.Connect(ethA, ethB, TenGig, SimTime.FromMicroseconds(2));
        var client = new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), 40000, core: 1);
        var server = new UdpSocket(b.Root, Ipv4Address.Parse("192.168.0.2"), 5201, core: 0);
        var got = new Collector();
        server.Receiver = got;
        return (bed, client, server, ethB, got);
    }

    private static long Sum(CostTable t, int bytes, params KernelStage[] stages) => stages.Sum(s => t.Of(s, bytes));

    [Fact]
    public void A_datagram_arrives_at_exactly_the_sum_of_stage_costs_serialisation_and_propagation()
    {
        var costs = DistinctCosts();
        var (bed, client, _, _, got) = Build(costs);
        client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, payloadBytes: 1000);
        bed.Sim.Run();

        const int ip = 1028; // 20 + 8 + 1000
        long sender = Sum(costs, ip, KernelStage.Syscall, KernelStage.UdpOutput, KernelStage.FibLookup, KernelStage.IpOutput, KernelStage.NicTransmit);
        long wire = (HeaderSizes.WireBytes(ip) * 8L * 1_000_000_000_000L) / TenGig; // 1066 B: 852.8 ns
        long receiver = Sum(costs, ip, KernelStage.NicReceive, KernelStage.IpInput, KernelStage.FibLookup, KernelStage.UdpInput, KernelStage.SocketDeliver);
        Assert.Equal(852_800, wire);
        Assert.Equal(sender + wire + 2_000_000 + receiver, Assert.Single(got.Got).Latency.Picoseconds);
    }

    [Fact]
    public void Interrupt_moderation_and_the_wake_up_add_exactly_their_delays()
    {
        var costs = DistinctCosts();
        var (bed, client, server, serverNic, got) = Build(costs);
        client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, 1000);
        bed.Sim.Run();
        var plain = got.Got[0].Latency;

        (bed, client, server, serverNic, got) = Build(costs);
        serverNic.InterruptModeration = SimTime.FromMicroseconds(8);
        server.WakeUpLatency = SimTime.FromMicroseconds(5);
        client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, 1000);
        bed.Sim.Run();
        Assert.Equal(plain + SimTime.FromMicroseconds(13), got.Got[0].Latency);
    }

    [Fact]
    public void Back_to_back_sends_from_one_core_queue_behind_each_others_stack_work()
    {
        // Two datagrams sent at the same instant from one process: the second's kernel work starts when the
        // first's ends, so it arrives one sender-side stack time later (the wire is faster than the stack here).
        var costs = CostTable.Uniform(StageCost.Nanoseconds(1000));
        var (bed, client, _, _, got) = Build(costs);
        client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, 100, flowId: 1);
        client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, 100, flowId: 2);
        bed.Sim.Run();
        Assert.Equal([1, 2], got.Got.Select(g => g.FlowId));
        Assert.Equal(SimTime.FromMicroseconds(5), got.Got[1].At - got.Got[0].At); // 5 sender stages x 1 us
    }

    [Fact]
    public void A_datagram_to_a_port_nobody_listens_on_is_dropped_as_port_unreachable()
    {
        var (bed, client, _, _, got) = Build(CostTable.Free());
        client.Send(Ipv4Address.Parse("192.168.0.2"), 9999, 10);
        bed.Sim.Run();
        Assert.Empty(got.Got);
        Assert.Equal(0, bed.Pool.InUse);
    }

    [Fact]
    public void Kernel_cpu_is_accounted_per_stage_on_each_host()
    {
        var costs = CostTable.Uniform(StageCost.Nanoseconds(100));
        var (bed, client, server, _, _) = Build(costs);
        for (int i = 0; i < 10; i++)
        {
            client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, 100);
        }

        bed.Sim.Run();
        var b = server.Namespace.Host;
        Assert.Equal(10 * 100_000, b.CpuPicosecondsOf(KernelStage.NicReceive));
        Assert.Equal(10 * 100_000, b.CpuPicosecondsOf(KernelStage.UdpInput));
        Assert.Equal(0, b.CpuPicosecondsOf(KernelStage.Syscall)); // the receiving process's recv is the workload's
        Assert.Equal(10 * 5 * 100_000, b.TotalCpuPicoseconds);
    }

    [Fact]
    public void Cpu_is_accounted_per_flow_and_the_flows_add_up_to_the_total()
    {
        var costs = DistinctCosts();
        var (bed, client, server, _, _) = Build(costs);
        client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, 100, flowId: 1);
        client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, 100, flowId: 1);
        client.Send(Ipv4Address.Parse("192.168.0.2"), 5201, 1400, flowId: 2);
        bed.Sim.Run();
        var b = server.Namespace.Host;
        long receivePerPacket(int ip) => Sum(costs, ip, KernelStage.NicReceive, KernelStage.IpInput, KernelStage.FibLookup, KernelStage.UdpInput, KernelStage.SocketDeliver);
        Assert.Equal(2 * receivePerPacket(128), b.CpuPicosecondsOfFlow(1));
        Assert.Equal(receivePerPacket(1428), b.CpuPicosecondsOfFlow(2));
        Assert.Equal(b.TotalCpuPicoseconds, b.CpuPicosecondsOfFlow(1) + b.CpuPicosecondsOfFlow(2));
    }
}
