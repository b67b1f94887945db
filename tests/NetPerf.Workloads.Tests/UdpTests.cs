using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tests;
using NetPerf.Workloads.Udp;

namespace NetPerf.Workloads.Tests;

public class UdpTests
{
    private const long TenGig = 10_000_000_000;

    [Fact]
    public void UDP_does_not_recover_a_loss_so_a_tenth_of_requests_dropped_is_a_tenth_lost_to_the_application()
    {
        var n = new TwoNodes(CostTable.Free(), TenGig, SimTime.FromMicroseconds(5));
        n.HostB.Root.EnableNetfilter().FilterInput.Append(new Rule { Protocol = IpProtocol.Udp, Probability = 0.1, Target = RuleTarget.Drop });
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001);
        var rr = new UdpRequestResponse("udp_rr", endpoints, clients: 4, request: 64, response: 64, timeout: SimTime.FromMicroseconds(200));
        var report = new WorkloadRunner(n.Bed.Sim, [n.HostA, n.HostB]).Run([rr], SimTime.FromMilliseconds(1), SimTime.FromMilliseconds(200))[0];

        double attempts = report.Transactions + report.Lost;
        double lost = report.Lost / attempts;
        double sigma = Math.Sqrt(0.1 * 0.9 / attempts);
        Assert.True(attempts > 10_000);
        Assert.InRange(lost, 0.1 - (4 * sigma), 0.1 + (4 * sigma));
    }

    [Fact]
    public void A_UDP_stream_offered_at_twice_a_bottleneck_gets_the_bottleneck_and_loses_the_rest()
    {
        var n = TwoNodes.ThroughBottleneck(CostTable.Free(), TenGig, 1_000_000_000, SimTime.FromMicroseconds(20), bottleneckQueue: 100);
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.FarB, 5001);
        var stream = new UdpStream("udp_stream", endpoints, datagramBytes: 1472, bitsPerSecond: 2e9);
        var report = new WorkloadRunner(n.Bed.Sim, [n.HostA, n.HostB]).Run([stream], SimTime.FromMilliseconds(5), SimTime.FromMilliseconds(50))[0];

        // 1472 B of payload in a 1538 B frame on a 1 Gbit/s bottleneck; offered 2 Gbit/s of payload.
        double capacity = 1472.0 / 1538 * 1e9;
        Assert.Equal(capacity, report.GoodputBitsPerSecond, capacity * 0.01);
        double loss = 1 - ((double)stream.ReceivedMeasured / stream.SentMeasured);
        Assert.Equal(1 - (capacity / 2e9), loss, 0.01);
        Assert.True(n.Bottleneck!.TransmitLink!.QueueDrops > 0);
    }

    [Fact]
    public void Parallel_UDP_senders_are_a_flow_each_and_share_the_offered_rate()
    {
        // netperf's parallel processes (k8s-netperf's parallelism) each open a socket of their own, so each is a
        // 5-tuple of its own: the receiver's conntrack (nf_conntrack_core.c, keyed on the tuple) holds an entry
        // per sender, and a Service's DNAT would pick an endpoint per sender. Offered 300 Mbit/s together on a
        // free 10 Gbit/s path, the three deliver 300 Mbit/s of payload, not three times it.
        var n = new TwoNodes(CostTable.Free(), TenGig, SimTime.FromMicroseconds(5));
        var nf = n.HostB.Root.EnableNetfilter();
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001);
        var stream = new UdpStream("udp_stream", endpoints, datagramBytes: 1000, bitsPerSecond: 3e8, senders: 3);
        var report = new WorkloadRunner(n.Bed.Sim, [n.HostA, n.HostB]).Run([stream], SimTime.FromMilliseconds(1), SimTime.FromMilliseconds(20))[0];

        Assert.Equal(3, stream.SenderSockets.Select(s => s.Port).Distinct().Count());
        Assert.Equal(3, nf.Conntrack.Count);
        Assert.Equal(3e8, report.GoodputBitsPerSecond, 3e8 * 0.01);
        Assert.InRange(stream.ReceivedMeasured, stream.SentMeasured - 5, stream.SentMeasured + 5); // nothing lost: the window's edges differ by a few in flight
    }
}
