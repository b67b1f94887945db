using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

public class CancellationTests
{
    private sealed class CancelAfterFirst(CancellationTokenSource cancel) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => cancel.Cancel();
    }

    [Fact]
    public void A_stopped_run_keeps_what_finished_and_marks_the_rest_partial()
    {
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped("pod-cross-node.yaml"));
        using var cancel = new CancellationTokenSource();

        var outcome = ScenarioRunner.Run(scenario, new RunOptions { Quick = true, Parallelism = 1 }, new CancelAfterFirst(cancel), cancel.Token);
        var results = ResultSetBuilder.Build(outcome);

        Assert.True(outcome.Partial);
        var finished = Assert.Single(outcome.Results); // one simulation at a time: the one under way when Ctrl-C came
        Assert.Equal(12, outcome.Units.Count);
        Assert.True(results.Partial);
        Assert.All(results.Summary, r => Assert.Equal((finished.Unit.Variant.Name, finished.Unit.Workload.Name), (r.Variant, r.Workload)));
        Assert.Contains(results.Summary, r => r.Metric == "latency" && r.Count > 0);
    }

    [Fact]
    public void Ctrl_C_stops_the_simulations_under_way_not_only_those_not_yet_started()
    {
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped("pod-cross-node.yaml")) with { Duration = Engine.Time.SimTime.FromSeconds(100) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var outcome = ScenarioRunner.Run(scenario, new RunOptions { Parallelism = 2 }, null, cancel.Token);

        Assert.True(outcome.Partial);
        Assert.Empty(outcome.Results); // 100 simulated seconds each: none could have finished; they were stopped, not waited for
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }
}
