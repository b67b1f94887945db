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
}
