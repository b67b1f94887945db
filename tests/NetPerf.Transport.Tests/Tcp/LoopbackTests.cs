using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Transport.Tcp;

namespace NetPerf.Transport.Tests.Tcp;

public class LoopbackTests
{
    [Fact]
    public void A_bulk_transfer_over_loopback_uses_its_64_KiB_MTU_one_segment_per_super_packet()
    {
        // lo's MTU is 65536, so the MSS (65483) exceeds half of GSO's 65216-byte limit: one segment is all a
        // super-packet can hold, and TSO autosizing's floor of two segments must give way to that ceiling.
        var net = new TwoNodes(CostTable.Default(), 10_000_000_000, SimTime.FromMicroseconds(1));
        var sink = new Sink();
        _ = new TcpListener(net.HostA.Root, 5001, sink);
        _ = TcpSocket.Connect(net.HostA.Root, Ipv4Address.Parse("127.0.0.1"), 5001, new Source(total: 4 << 20));
        net.Bed.Sim.RunUntil(SimTime.FromMilliseconds(100));

        Assert.Equal(4 << 20, sink.Received);
    }
}
