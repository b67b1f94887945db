using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// scenarios/failures/rolling-update.yaml: a terminating pod that stops listening while kube-proxy's rules still
/// send it connections refuses them, from its SIGTERM until the sync that drops it; a preStop sleep longer than
/// that delay refuses none.
/// </summary>
public class RollingUpdateFactsTests
{
    private static readonly Lazy<ResultSet> Shipped = new(() => Run(threads: 2));

    private static ResultSet Run(int threads) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Load(HeadlineRun.Shipped("failures/rolling-update.yaml")), new RunOptions { Parallelism = threads }));

    /// <summary>
    /// Per pod sent SIGTERM: from then until kube-proxy's rules no longer hold it, that is until the first sync that
    /// started at or after the pod began terminating has been programmed.
    /// </summary>
    private static List<(string Pod, double From, double To)> Windows(IReadOnlyList<TimelineRow> log)
    {
        var windows = new List<(string, double, double)>();
        foreach (var sigterm in log.Where(e => e.Event == "SIGTERM"))
        {
            double terminating = log.Single(e => e.Event == "pod terminating" && e.Object == sigterm.Object).AtMilliseconds;
            var started = log.Where(e => e.Event == "kube-proxy sync started" && e.AtMilliseconds >= terminating).Select(e => e.AtMilliseconds).DefaultIfEmpty(double.PositiveInfinity).First();
            double programmed = log.Where(e => e.Event == "kube-proxy rules programmed" && e.AtMilliseconds >= started).Select(e => e.AtMilliseconds).DefaultIfEmpty(double.PositiveInfinity).First();
            windows.Add((sigterm.Object, sigterm.AtMilliseconds, programmed));
        }

        return windows;
    }

    [Fact]
    public void Without_a_preStop_hook_connections_are_refused_only_while_a_stopped_pod_is_still_in_the_rules_and_throughout_that_time()
    {
        var r = Shipped.Value;
        var rows = r.Timeseries.Where(t => t.Variant == "prestop0ms").ToList();
        var windows = Windows([.. r.Timeline.Where(e => e.Variant == "prestop0ms")]);
        Assert.Equal(2, windows.Count); // both old pods were sent SIGTERM

        // A refusal is counted when the RST is back at the client, a round trip (well under 1 ms) after the SYN.
        bool InWindow(TimeseriesRow t) => windows.Any(w => t.StartMilliseconds < w.To + 1 && t.StartMilliseconds + t.IntervalMilliseconds > w.From);
        Assert.True(rows.Sum(t => t.Refused) > 1000);
        Assert.All(rows.Where(t => !InWindow(t)), t => Assert.Equal(0, t.Refused));

        // The second old pod goes at 250 ms, when kube-proxy has spent both of its burst's sync tokens (at 50 ms for
        // the new pod, at 150 ms for the first swap): its sync waits for the token the first returns a
        // minSyncPeriod (1 s) after it was spent, so the pod refuses half the connections for 800 ms.
        var (_, from, to) = windows.Single(w => w.Pod == "shop-1");
        Assert.Equal(250, from);
        Assert.Equal(1050, to, tolerance: 1);
        Assert.All(rows.Where(t => t.StartMilliseconds >= from && t.StartMilliseconds + t.IntervalMilliseconds <= to), t => Assert.True(t.Refused > 0, $"none refused at {t.StartMilliseconds} ms"));

        double refused = r.Summary.Single(s => s.Variant == "prestop0ms" && s.Metric == "refused").Mean;
        Assert.Equal(rows.Sum(t => t.Refused), refused);
    }

    [Fact]
    public void A_preStop_sleep_longer_than_the_sync_delay_refuses_nothing_though_the_old_pods_stop_within_the_run()
    {
        var r = Shipped.Value;
        var windows = Windows([.. r.Timeline.Where(e => e.Variant == "prestop1500ms")]);
        Assert.Equal(2, windows.Count); // SIGTERM at 1.65 s and 1.75 s, inside the 2 s window
        Assert.All(windows, w => Assert.True(w.To <= w.From, $"{w.Pod} left the rules at {w.To} ms, before its SIGTERM at {w.From} ms"));
        Assert.All(r.Timeseries.Where(t => t.Variant == "prestop1500ms"), t => Assert.Equal(0, t.Refused));
        Assert.DoesNotContain(r.Summary, s => s.Variant == "prestop1500ms" && s.Metric == "refused");
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_timeseries_and_timeline_on_one_thread_or_two()
    {
        Assert.Equal(ResultCsv.TimeseriesAndTimeline(Run(threads: 1)), ResultCsv.TimeseriesAndTimeline(Shipped.Value));
    }
}
