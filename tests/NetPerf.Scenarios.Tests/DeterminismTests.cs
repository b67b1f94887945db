using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

public class DeterminismTests
{
    [Fact]
    public void The_same_scenario_and_seed_give_byte_identical_CSV_whatever_the_parallelism()
    {
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped("overlay-vs-calico.yaml"));
        var a = Write(scenario, parallelism: 1, samples: true);
        var b = Write(scenario, parallelism: 2, samples: true);
        try
        {
            foreach (var file in new[] { CsvResults.SummaryFile, CsvResults.CpuFile, CsvResults.SamplesFile })
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)));
            }
        }
        finally
        {
            Directory.Delete(a, true);
            Directory.Delete(b, true);
        }
    }

    [Fact]
    public void Another_seed_draws_other_service_times()
    {
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped("overlay-vs-calico.yaml"));
        var options = new RunOptions { Quick = true, Variants = ["calico-bgp"] };
        var one = ResultSetBuilder.Build(ScenarioRunner.Run(scenario, options)).Summary.Single(r => r.Path == "pod-cross-node" && r.Workload == "small" && r.Metric == "latency");
        var two = ResultSetBuilder.Build(ScenarioRunner.Run(scenario with { Seed = scenario.Seed + 1 }, options)).Summary.Single(r => r.Path == "pod-cross-node" && r.Workload == "small" && r.Metric == "latency");
        Assert.NotEqual(one.Mean, two.Mean);
    }

    private static string Write(Model.Scenario scenario, int parallelism, bool samples)
    {
        var dir = Directory.CreateTempSubdirectory("netperf-determinism-").FullName;
        var outcome = ScenarioRunner.Run(scenario, new RunOptions { Quick = true, Parallelism = parallelism, KeepSamples = samples });
        CsvResults.Write(ResultSetBuilder.Build(outcome), dir);
        return dir;
    }
}
