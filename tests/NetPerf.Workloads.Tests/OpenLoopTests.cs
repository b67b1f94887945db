using MathNet.Numerics.Distributions;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tests;
using NetPerf.Workloads.Tcp;
using Xunit.Abstractions;

namespace NetPerf.Workloads.Tests;

public class OpenLoopTests(ITestOutputHelper output)
{
    private const long TenGig = 10_000_000_000;

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void Poisson_requests_to_an_exponential_server_on_one_core_wait_as_in_M_M_1_and_obey_Littles_law(double utilisation)
    {
        // The kernel costs nothing here, so the server's core does only the application's work: an M/M/1 queue
        // with mu = 100,000/s, whose mean sojourn 1/(mu - lambda) adds to the wire's round trip.
        var propagation = SimTime.FromMicroseconds(5);
        var n = new TwoNodes(CostTable.Free(), TenGig, propagation);
        double mu = 100_000;
        double lambda = utilisation * mu;
        var service = ServiceTime.From(new Exponential(mu / 1e6, n.Bed.Streams.Create("service")));
        var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001);
        var workload = new TcpRequestResponse("poisson", endpoints, RequestPattern.OpenLoop, clients: 8, request: 100, response: 100,
            service, ratePerSecond: lambda, flowId: 1);
        var report = new WorkloadRunner(n.Bed.Sim, [n.HostA, n.HostB]).Run([workload], SimTime.FromMilliseconds(50), SimTime.FromSeconds(2))[0];

        int ip = HeaderSizes.Ipv4 + 32 + 100;
        double wire = 2 * ((HeaderSizes.WireBytes(ip) * 8.0 / TenGig * 1e6) + propagation.TotalMicroseconds);
        double expected = wire + (1e6 / (mu - lambda));
        var mean = report.MeanMicroseconds!.Value;
        output.WriteLine($"rho {utilisation}: mean {mean} expected {expected:F3} us; in flight {report.MeanInFlight:F4} vs {report.TransactionsPerSecond * mean.Mean / 1e6:F4}");

        Assert.True(mean.RelativeHalfWidth < 0.05, $"the interval must be tight enough to mean something: {mean}");
        Assert.True(mean.Contains(expected), $"M/M/1: {expected:F3} us expected, measured {mean}");

        // Little's law, from two independent measurements: requests in flight over time, and throughput x latency.
        Assert.Equal(report.TransactionsPerSecond * mean.Mean / 1e6, report.MeanInFlight, report.MeanInFlight * 0.01);
        Assert.Equal(lambda, report.TransactionsPerSecond, lambda * 0.02);
    }

    [Fact]
    public void Past_capacity_answers_after_the_clients_timeout_are_neither_goodput_nor_left_out_of_CPU_per_request()
    {
        // One server core doing 50 us of work a request and its kernel's share serves about 15,000/s; an open loop
        // offering 22,000/s grows its queue by some 7,000/s, so after the 10 ms warm-up every answer waits beyond the
        // client's 1 ms timeout. A client that gave up is not served by the late answer (no goodput), yet the network
        // and both kernels did all of an answer's work for it: its CPU is in the numerator, so it is in the
        // denominator too. What stays in the numerator alone is the growing backlog's requests, read and not yet
        // answered: their receive side lifts CPU per request above one request's cost, by their share.
        const int request = 100, response = 10_000;
        WorkloadReport Run(double rate)
        {
            var n = new TwoNodes(CostTable.Default(), TenGig, SimTime.FromMicroseconds(5));
            var endpoints = new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001);
            var workload = new TcpRequestResponse("open", endpoints, RequestPattern.OpenLoop, clients: 8, request, response,
                ServiceTime.Fixed(SimTime.FromMicroseconds(50)), ratePerSecond: rate, flowId: 1, timeout: SimTime.FromMilliseconds(1));
            return new WorkloadRunner(n.Bed.Sim, [n.HostA, n.HostB]).Run([workload], SimTime.FromMilliseconds(10), SimTime.FromMilliseconds(50))[0];
        }

        var under = Run(5_000);
        var past = Run(22_000);
        output.WriteLine($"under: {under.Transactions} in time, {under.Late} late, {under.CpuNanosecondsPerTransaction:F0} ns/request; " +
            $"past: {past.Transactions} in time, {past.Late} late, {past.CpuNanosecondsPerTransaction:F0} ns/request, goodput {past.GoodputBitsPerSecond / 1e6:F1} Mbit/s");

        Assert.Equal(0, under.Late);
        Assert.True(past.Late > 500, $"the server falls behind: {past.Late} late answers");
        Assert.True(past.Lost >= past.Late); // a late answer is a request the client gave up on
        // Goodput: the answers in time, and the requests the server read (at most every arrival since the start).
        double seconds = past.Measured.TotalSeconds;
        double bound = (past.Transactions * (double)response) + (22_000 * 1.2 * (seconds + 0.010) * request);
        Assert.True(past.GoodputBitsPerSecond * seconds / 8 <= bound, $"goodput {past.GoodputBitsPerSecond * seconds / 8:F0} B counts late answers (bound {bound:F0} B)");
        // No answer in time, yet a CPU per request: what an answered request cost, give or take the backlog's reads
        // (at most about half a request's cost here), not the all-late run's CPU over no request at all.
        Assert.Equal(0, past.Transactions);
        Assert.InRange(past.CpuNanosecondsPerTransaction, under.CpuNanosecondsPerTransaction * 0.9, under.CpuNanosecondsPerTransaction * 1.5);
    }
}
