using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// startWorkload and stopWorkload in a scenario run together: a load that begins and ends inside the measured
/// window. Before its start its client has sent nothing; after its stop it offers nothing new, its requests in
/// flight are answered and its connections closed with a FIN (no reset, nothing lost). While it runs, its server
/// shares a core with another workload's server (NetPerf's servers run on core 2 of node 2), so that workload's
/// requests wait behind it in the intervals of its window and not outside them: results over time show the load.
/// </summary>
public class WorkloadTimelineTests
{
    private const string Yaml = """
        name: burst
        seed: 11
        duration: 200ms
        warmup: 10ms
        interval: 20ms
        together: true
        cluster: { nodes: 2, cni: calico-bgp }
        workloads:
          - { name: rr, test: TCP_RR, paths: [pod-cross-node], serviceTime: 50us }
          - { name: load, test: TCP_RR, paths: [node-to-node], clients: 4, rate: 8000, serviceTime: 50us }
        timeline:
          - { at: 40ms, action: startWorkload, workload: load }
          - { at: 120ms, action: stopWorkload, workload: load }
        """;

    private static readonly Lazy<RunOutcome> Run = new(() => ScenarioRunner.Run(ScenarioReader.Parse(Yaml, "burst.yaml"), new RunOptions { Parallelism = 1 }));
    private static readonly Lazy<ResultSet> Shipped = new(() => ResultSetBuilder.Build(Run.Value));

    private static IReadOnlyList<TimeseriesRow> Of(string workload) => [.. Shipped.Value.Timeseries.Where(t => t.Workload == workload)];

    [Fact]
    public void The_load_sends_nothing_before_its_start_and_nothing_new_after_its_stop()
    {
        var log = Shipped.Value.Timeline;
        Assert.Equal([("startWorkload", "load", 40.0), ("stopWorkload", "load", 120.0)],
            log.Where(e => e.Workload == "load").Select(e => (e.Event, e.Object, e.AtMilliseconds)));
        var load = Of("load");
        Assert.All(load.Where(t => t.StartMilliseconds < 40), t => Assert.Equal(0, t.Transactions));
        Assert.All(load.Where(t => t.StartMilliseconds is >= 40 and < 120), t => Assert.True(t.Transactions > 100, $"{t.Transactions} at {t.StartMilliseconds} ms"));
        // What was in flight at 120 ms (microseconds' worth) is answered in that interval; nothing after.
        Assert.All(load.Where(t => t.StartMilliseconds >= 140), t => Assert.Equal(0, t.Transactions));
    }

    [Fact]
    public void A_stopped_client_closes_its_connections_without_losing_or_resetting_a_request()
    {
        var load = Run.Value.Results.Single(r => r.Unit.Workload.Name == "load");
        Assert.Equal(0, load.Lost);
        Assert.All(load.Failures, f => Assert.Equal(0, f.Value));
        Assert.All(Of("load"), t => Assert.Equal(0, t.Reset + t.Refused + t.TimedOut + t.Lost));
    }

    [Fact]
    public void The_other_workload_waits_behind_the_load_on_the_shared_core_only_while_the_load_runs()
    {
        var rr = Of("rr");
        double Median(Func<double, bool> window) => rr.Where(t => window(t.StartMilliseconds)).Select(t => t.P50Microseconds).Order().ElementAt(rr.Count(t => window(t.StartMilliseconds)) / 2);
        double before = Median(s => s < 40), during = Median(s => s is >= 60 and < 120), after = Median(s => s >= 140);
        Assert.True(during > before * 1.1, $"p50 {during:F1} us while the load runs, {before:F1} us before");
        Assert.True(during > after * 1.1, $"p50 {during:F1} us while the load runs, {after:F1} us after");
        // Both servers' work is on node 2 while the load runs (rr's own slows, the load's comes on top): its CPU is
        // busier then than before and after.
        long Node2(double start) => rr.Single(t => t.StartMilliseconds == start).Cpu.Single(c => c.Host == "node2").Picoseconds;
        Assert.True(Node2(80) > 1.1 * Node2(0) && Node2(80) > 1.1 * Node2(160), $"node2 busy {Node2(0)} / {Node2(80)} / {Node2(160)} ps");
    }

    /// <summary>Each kind of client, started at 20 ms and stopped at 60 ms of a 100 ms window, alone on pod-cross-node (DNS_LOOKUP on cluster-ip: it looks the Service up).</summary>
    [Theory]
    [InlineData("TCP_RR")]
    [InlineData("TCP_CRR")]
    [InlineData("UDP_RR")]
    [InlineData("TCP_STREAM")]
    [InlineData("UDP_STREAM")]
    [InlineData("DNS_LOOKUP")]
    public void Every_kind_of_client_sends_only_between_its_start_and_its_stop_and_loses_nothing_by_stopping(string test)
    {
        string path = test == "DNS_LOOKUP" ? "cluster-ip" : "pod-cross-node";
        string rate = test == "UDP_STREAM" ? ", rateGbps: 0.5" : "";
        var r = ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse($$"""
            name: window
            seed: 3
            duration: 100ms
            warmup: 10ms
            interval: 10ms
            cluster: { nodes: 2, cni: calico-bgp }
            workloads:
              - { name: w, test: {{test}}, clients: 2, paths: [{{path}}]{{rate}} }
            timeline:
              - { at: 20ms, action: startWorkload, workload: w }
              - { at: 60ms, action: stopWorkload, workload: w }
            """, "window.yaml"), new RunOptions { Parallelism = 1 }));
        bool streams = test.EndsWith("_STREAM", StringComparison.Ordinal);
        bool Sent(TimeseriesRow t) => streams ? t.GoodputMbps > 0 : t.Transactions > 0;
        Assert.All(r.Timeseries.Where(t => t.StartMilliseconds < 20), t => Assert.False(Sent(t), $"sent at {t.StartMilliseconds} ms"));
        Assert.All(r.Timeseries.Where(t => t.StartMilliseconds is >= 30 and < 60), t => Assert.True(Sent(t), $"nothing at {t.StartMilliseconds} ms"));
        // A stream's sender stops writing, what it had queued drains within a few ms; a request in flight is answered.
        Assert.All(r.Timeseries.Where(t => t.StartMilliseconds >= 70), t => Assert.False(Sent(t), $"still sending at {t.StartMilliseconds} ms"));
        Assert.All(r.Timeseries, t => Assert.Equal(0, t.Lost + t.Reset + t.Refused + t.TimedOut + t.DnsFailed));
    }
}
