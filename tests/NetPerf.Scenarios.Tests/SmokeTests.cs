using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

public class SmokeTests
{
    [Fact]
    public void Headline_runs_quick()
    {
        var s = ScenarioReader.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "overlay-vs-calico.yaml"));
        var outcome = ScenarioRunner.Run(s, new RunOptions { Quick = true });
        var set = ResultSetBuilder.Build(outcome);
        foreach (var r in set.Summary.Where(r => r.Metric is "latency" or "cpu_per_request"))
        {
            Console.WriteLine($"{r.Variant,-16} {r.Workload,-6} {r.Path,-15} {r.Metric,-16} {r.Mean,10:F2} {r.P99,10:F2}");
        }
        Assert.False(outcome.Partial);
    }
}
