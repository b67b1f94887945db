using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Stack;

public class RoutingLoopTests
{
    [Fact]
    public void A_routing_loop_ends_in_TTL_expiry_after_63_forwards_and_is_counted()
    {
        // Two routers each sending 10.99.0.0/16 to the other. A packet leaves with TTL 64; every forward takes
        // one, and the router that receives it with TTL 1 drops it: 63 forwards.
        var bed = new Testbed();
        var host = new Host(bed, "h", CostTable.Free(), cores: 1);
        var a = host.CreateNamespace("a");
        var b = host.CreateNamespace("b");
        a.IpForward = b.IpForward = true;
        var (va, vb) = VethDevice.CreatePair(a, "to-b", b, "to-a");
        a.AddAddress(va, "10.0.0.1/30");
        b.AddAddress(vb, "10.0.0.2/30");
        a.AddRoute("10.99.0.0/16", va, via: "10.0.0.2");
        b.AddRoute("10.99.0.0/16", vb, via: "10.0.0.1");
        var tracer = new RecordingTracer();
        host.Tracer = tracer;

        new UdpSocket(a, Ipv4Address.Parse("10.0.0.1"), 1234).Send(Ipv4Address.Parse("10.99.1.1"), 53, 40);
        bed.Sim.Run();

        Assert.Equal(1, host.Drops(DropReason.TtlExpired));
        Assert.Equal(63, tracer.Cores.Count(c => c.Stage == KernelStage.IpForward));
        Assert.Equal(0, bed.Pool.InUse);
    }

    [Fact]
    public void Containers_of_one_pod_reach_each_other_on_localhost_through_lo_only()
    {
        var bed = new Testbed();
        var host = new Host(bed, "node", CostTable.Free(), cores: 1);
        var pod = host.CreateNamespace("pod");
        var tracer = new RecordingTracer();
        host.Tracer = tracer;
        var server = new UdpSocket(pod, Ipv4Address.Parse("127.0.0.1"), 8080) { Receiver = new Collector() };
        new UdpSocket(pod, Ipv4Address.Parse("127.0.0.1"), 50000).Send(Ipv4Address.Parse("127.0.0.1"), 8080, 64);
        bed.Sim.Run();
        Assert.Equal(1, server.Received);
        Assert.Equal(
        [
            "node/pod Syscall", "node/pod UdpOutput", "node/pod FibLookup",
            "node/pod/lo IpOutput", "node/pod/lo LoopbackTransmit", "node/pod/lo BacklogReceive",
            "node/pod/lo IpInput", "node/pod/lo FibLookup", "node/pod UdpInput", "node/pod SocketDeliver",
        ], tracer.Stages);
    }
}
