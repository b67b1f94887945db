using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;
using NetPerf.Transport.Tests;
using NetPerf.Workloads.Tcp;
using NetPerf.Workloads.Udp;

namespace NetPerf.Workloads.Tests;

public class FailureTests
{
    private const long TenGig = 10_000_000_000;

    [Fact]
    public void A_response_larger_than_the_send_buffer_is_written_as_room_frees_and_arrives_whole()
    {
        var n = new TwoNodes(CostTable.Free(), TenGig, SimTime.FromMicroseconds(5));
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001);
        var options = TcpOptions.Linux with { SendBufferBytes = 1 << 20 };
        var rr = new TcpRequestResponse("big", endpoints, RequestPattern.ClosedLoop, clients: 1, request: 100, response: 5 << 20, options: options);
        rr.Start();
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(100));

        // 5 MiB through a 1 MiB send buffer, each response counted once, byte for byte.
        Assert.True(rr.Measurement.Transactions >= 5);
        Assert.InRange(rr.Measurement.BytesDelivered, rr.Measurement.Transactions * (100L + (5 << 20)), (rr.Measurement.Transactions + 1) * (100L + (5 << 20)));
    }

    [Fact]
    public void A_connection_that_cannot_be_opened_costs_its_request_and_the_client_tries_again()
    {
        var n = new TwoNodes(CostTable.Free(), TenGig, SimTime.FromMicroseconds(5));
        var block = new Rule { Protocol = IpProtocol.Tcp, Target = RuleTarget.Drop };
        var input = n.HostB.Root.EnableNetfilter().FilterInput;
        input.Append(block);
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001);
        var options = TcpOptions.Linux with { SynRetries = 1 };
        var crr = new TcpRequestResponse("crr", endpoints, RequestPattern.ConnectionPerRequest, clients: 2, request: 10, response: 10, options: options);
        crr.Start();

        // SYNs at 0 and 1 s, given up at 3 s: both transactions lost, and both clients connect again.
        n.Bed.Sim.RunUntil(SimTime.FromSeconds(3.5));
        Assert.Equal(2, crr.Measurement.Lost);
        Assert.Equal(0, crr.Measurement.Transactions);
        input.Clear(); // the new connections' SYNs (sent at 3 s) were dropped too; their retries at 4 s get through
        n.Bed.Sim.RunUntil(SimTime.FromSeconds(4.1));
        Assert.True(crr.Measurement.Transactions > 100);
        Assert.Equal(2, crr.Measurement.InFlight.Current); // one transaction per client in progress, none leaked
    }

    [Fact]
    public void A_UDP_response_that_comes_after_its_timeout_is_not_credited_to_the_next_request()
    {
        var n = new TwoNodes(CostTable.Free(), TenGig, SimTime.FromMicroseconds(5));
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001);
        var rr = new UdpRequestResponse("udp", endpoints, clients: 1, request: 64, response: 64,
            ServiceTime.Fixed(SimTime.FromMicroseconds(1500)), timeout: SimTime.FromMilliseconds(1));
        var report = new WorkloadRunner(n.Bed.Sim, [n.HostA, n.HostB]).Run([rr], SimTime.Zero, SimTime.FromMilliseconds(100))[0];

        // Every answer takes 1.5 ms, so every request times out at 1 ms; none may look answered.
        Assert.Equal(0, report.Transactions);
        Assert.True(report.Lost > 50);
    }
}
