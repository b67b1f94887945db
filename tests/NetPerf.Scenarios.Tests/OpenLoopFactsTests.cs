using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// Open-loop requests (rate: N) against closed-loop ones on the same path, whose server spends 100 us of its one
/// core on each request: queueing theory's facts, with the kernel's own work on that core in the service time.
/// </summary>
public class OpenLoopFactsTests(ITestOutputHelper output)
{
    private static WorkloadRunResult Run(string workload, string duration = "400ms")
    {
        const string cluster = "{ nodes: 2, cni: calico-bgp }";
        var scenario = ScenarioReader.Parse($"""
            name: open-loop
            seed: 5
            duration: {duration}
            warmup: 20ms
            cluster: {cluster}
            workloads:
              - {workload}
            """, "open-loop.yaml");
        var r = ScenarioRunner.Run(scenario, new RunOptions()).Results.Single();
        return new WorkloadRunResult(r.Report.P50.TotalMicroseconds, r.Latency.Mean.TotalMicroseconds, r.Report.TransactionsPerSecond, r.Lost);
    }

    private sealed record WorkloadRunResult(double P50, double Mean, double PerSecond, long Lost);

    private const string Path = "paths: [pod-cross-node], serviceTime: 100us";

    [Fact]
    public void At_low_load_open_loop_latency_is_the_closed_loops_and_it_rises_with_queueing_as_load_nears_the_servers_core()
    {
        var closed = Run($"{{ name: rr, test: TCP_RR, {Path} }}");
        // The server's core is the bottleneck: 16 closed-loop connections keep it busy, so their rate is its capacity.
        var capacity = Run($"{{ name: rr, test: TCP_RR, clients: 16, {Path} }}", "100ms").PerSecond;
        WorkloadRunResult Open(double load, string arrivals = "poisson", string timeout = "") =>
            Run($"{{ name: open, test: TCP_RR, clients: 8, rate: {load * capacity:F0}, arrivals: {arrivals}{timeout}, {Path} }}");
        var low = Open(0.05);
        var half = Open(0.5);
        var high = Open(0.9);
        var paced = Open(0.9, "constant");
        var over = Open(1.5, timeout: ", timeout: 5ms");
        output.WriteLine($"closed p50 {closed.P50:F1} us; capacity {capacity:F0}/s; open p50/mean: 5% {low.P50:F1}/{low.Mean:F1}, 50% {half.P50:F1}/{half.Mean:F1}, 90% {high.P50:F1}/{high.Mean:F1}, 90% paced {paced.P50:F1}/{paced.Mean:F1}; 150%: {over.PerSecond:F0}/s done, {over.Lost} timed out");

        // At 5% load a request rarely finds the core busy: the median request never waits.
        Assert.Equal(closed.P50, low.P50, tolerance: closed.P50 * 0.03);
        // Poisson arrivals queue: M/D/1's mean wait is rho/(2 mu (1 - rho)), half a service time at 50%, 4.5 at 90%.
        Assert.True(half.Mean > low.Mean && high.Mean > half.Mean + 100, $"{low.Mean} < {half.Mean} < {high.Mean}");
        Assert.True(high.Mean > closed.Mean + 300, $"90%: {high.Mean} us against {closed.Mean} us closed");
        double md1 = 0.9 / (2 * capacity * (1 - 0.9)) * 1e6; // the server's core as an M/D/1 queue at its measured capacity
        Assert.InRange(high.Mean - low.Mean, 0.8 * md1, 1.25 * md1);
        // Paced arrivals at 90% find the core free (D/D/1 does not queue): latency stays near the closed loop's.
        Assert.True(paced.Mean < closed.Mean * 1.15, $"paced {paced.Mean} us against {closed.Mean} us closed");
        // Beyond capacity the core completes no more than it can; the rest wait past the client's timeout.
        Assert.True(over.PerSecond < capacity * 1.03, $"{over.PerSecond}/s done beyond a capacity of {capacity}/s");
        Assert.True(over.Lost > 0, "requests offered beyond the core's capacity must time out");
        Assert.Equal(0, low.Lost + half.Lost + high.Lost);
    }

    [Fact]
    public void An_open_loop_run_is_the_same_for_the_same_seed()
    {
        var a = Run("{ name: open, test: TCP_RR, clients: 4, rate: 5000, " + Path + " }", "50ms");
        var b = Run("{ name: open, test: TCP_RR, clients: 4, rate: 5000, " + Path + " }", "50ms");
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("{ name: s, test: TCP_STREAM, rate: 100 }", "workloads[0].rate: requests per second offered in open loop, over TCP_RR's connections; TCP_STREAM has no requests")]
    [InlineData("{ name: c, test: TCP_CRR, rate: 100 }", "workloads[0].rate: requests per second offered in open loop, over TCP_RR's connections; TCP_CRR is closed loop: each client opens its next connection")]
    [InlineData("{ name: u, test: UDP_RR, rate: 100 }", "workloads[0].rate: requests per second offered in open loop, over TCP_RR's connections; UDP_RR is closed loop: each client sends its next request when the answer comes")]
    [InlineData("{ name: r, test: TCP_RR, timeout: 1ms }", "workloads[0].timeout: goes with rate")]
    [InlineData("{ name: r, test: TCP_RR, rate: 100, arrivals: bursty }", "workloads[0].arrivals: 'bursty' is not allowed")]
    public void Open_loop_keys_where_they_mean_nothing_are_refused_at_the_key(string workload, string message)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse($"name: x\nworkloads:\n  - {workload}\n", "x.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(3, error.Line);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
