using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tests;
using NetPerf.Workloads.Tcp;

namespace NetPerf.Workloads.Tests;

public class TcpRequestResponseTests
{
    private const long TenGig = 10_000_000_000;
    private static readonly SimTime Propagation = SimTime.FromMicroseconds(2);

    /// <summary>One direction of a small message: every stage once, the wire once, the syscall copying it on each side.</summary>
    private static long OneWay(CostTable c, int message)
    {
        int ip = HeaderSizes.Ipv4 + 32 + message; // TCP 20 + timestamps 12
        long sender = c.Of(KernelStage.Syscall, message) + Costs.Sum(c, ip, KernelStage.TcpOutput, KernelStage.FibLookup, KernelStage.IpOutput, KernelStage.NicTransmit);
        long wire = ((HeaderSizes.WireBytes(ip) * 8L * SimTime.PicosecondsPerSecond) + TenGig - 1) / TenGig;
        long receiver = Costs.Sum(c, ip, KernelStage.NicReceive, KernelStage.IpInput, KernelStage.FibLookup, KernelStage.TcpInput, KernelStage.SocketDeliver)
            + c.Of(KernelStage.Syscall, message);
        return sender + wire + Propagation.Picoseconds + receiver;
    }

    [Fact]
    public void A_TCP_RR_transaction_at_low_load_takes_exactly_the_analytic_round_trip()
    {
        var costs = Costs.Distinct();
        var n = new TwoNodes(costs, TenGig, Propagation);
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001, ClientCore: 1, ServerCore: 0);
        var rr = new TcpRequestResponse("rr", endpoints, RequestPattern.ClosedLoop, clients: 1, request: 100, response: 200);
        rr.Measurement.KeepSamples();
        rr.Start();
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));

        // The first transaction follows the handshake's last ACK onto the wire; from the second on nothing else
        // is in flight (every ACK rides on a request or a response), so each takes exactly the round trip.
        long expected = OneWay(costs, 100) + OneWay(costs, 200);
        var samples = rr.Measurement.Samples!;
        Assert.True(samples.Count > 10);
        Assert.True(samples[0].Picoseconds >= expected);
        Assert.All(samples.Skip(1), s => Assert.Equal(expected, s.Picoseconds));
        Assert.Equal(1, rr.Tcp.PureAcksSent); // the client's only pure ACK is the handshake's third segment
        long requests = rr.Tcp.PacketsSent - 1 - rr.Tcp.PureAcksSent; // all but the SYN and that ACK carry a request
        Assert.InRange(requests, samples.Count, samples.Count + 1); // (one may be in flight at the end)
    }

    private static long Serialise(int ipLength) => ((HeaderSizes.WireBytes(ipLength) * 8L * SimTime.PicosecondsPerSecond) + TenGig - 1) / TenGig;

    [Fact]
    public void A_TCP_CRR_transaction_takes_the_handshake_round_trip_more_than_TCP_RR_and_opens_a_connection_each_time()
    {
        var n = new TwoNodes(CostTable.Free(), TenGig, Propagation);
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001);
        var crr = new TcpRequestResponse("crr", endpoints, RequestPattern.ConnectionPerRequest, clients: 1, request: 100, response: 200);
        crr.Measurement.KeepSamples();
        crr.Start();
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(2));

        // SYN and SYN-ACK (40 B of TCP header each), then the handshake's ACK and the request back to back on the
        // client's link, then the response; with the kernel free, only the wire counts.
        long p = Propagation.Picoseconds;
        long expected = Serialise(60) + p + Serialise(60) + p + Serialise(52) + Serialise(152) + p + Serialise(252) + p;
        var samples = crr.Measurement.Samples!;
        Assert.True(samples.Count > 20);
        Assert.Equal(expected, samples[0].Picoseconds);

        // Later ones also meet the previous connection's FINs and last ACK on the links: a frame time or two more.
        Assert.All(samples.Skip(1), s => Assert.InRange(s.Picoseconds, expected, expected + (3 * Serialise(52))));
        Assert.Equal(samples.Count, crr.Measurement.ConnectionsCompleted);
        Assert.InRange(crr.Listener.Accepted, samples.Count, samples.Count + 1);
    }

    [Fact]
    public void Two_workloads_calling_one_server_share_its_process_and_each_connection_is_served_with_its_own_workloads_sizes()
    {
        // One server process on port 5001 (as one external API every pod calls): the second workload's server is
        // the first's, and each connection is cut into its own workload's requests (100 B against 1,000 B); had a
        // connection been given the other's sizes, its server would wait for bytes that never come.
        var n = new TwoNodes(CostTable.Free(), TenGig, Propagation);
        var small = new TcpRequestResponse("small", new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001), RequestPattern.ConnectionPerRequest, clients: 1, request: 100, response: 200, flowId: 1);
        var large = new TcpRequestResponse("large", new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001), RequestPattern.ConnectionPerRequest, clients: 1, request: 1000, response: 4000, flowId: 2);
        Assert.Same(small.Listener, large.Listener);
        small.Start();
        large.Start();
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(2));

        Assert.True(small.Measurement.Transactions > 20);
        Assert.True(large.Measurement.Transactions > 20);
        Assert.InRange(small.Listener.Accepted, small.Measurement.Transactions + large.Measurement.Transactions, small.Measurement.Transactions + large.Measurement.Transactions + 2);
        // The server's reads are counted to the workload whose client sent them: 100 B or 1,000 B a request.
        Assert.InRange(small.Measurement.BytesDelivered, small.Measurement.Transactions * 300, (small.Measurement.Transactions + 1) * 300);
        Assert.InRange(large.Measurement.BytesDelivered, large.Measurement.Transactions * 5000, (large.Measurement.Transactions + 1) * 5000);
    }
}
