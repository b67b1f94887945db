using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>The rows results are written from: CDF points in order, and no tail percentile the samples cannot support.</summary>
public sealed class ResultSetBuilderTests
{
    private static readonly Lazy<Reporting.ResultSet> Quick = new(() =>
    {
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped("localhost.yaml"));
        var outcome = ScenarioRunner.Run(scenario, new RunOptions { Quick = true, Variants = ["calico-bgp"] }, null, CancellationToken.None);
        return ResultSetBuilder.Build(outcome);
    });

    [Fact]
    public void Latency_CDF_points_ascend_in_percentile_and_latency_with_100_last()
    {
        Assert.NotEmpty(Quick.Value.Cdfs);
        foreach (var cdf in Quick.Value.Cdfs)
        {
            var percentiles = cdf.Points.Select(p => p.Percentile).ToList();
            Assert.Equal(percentiles.Order(), percentiles);
            Assert.Equal(percentiles.Count, percentiles.Distinct().Count());
            Assert.Equal(100.0, percentiles[^1]);
            var latencies = cdf.Points.Select(p => p.Microseconds).ToList();
            Assert.Equal(latencies.Order(), latencies);
        }
    }

    [Fact]
    public void P99_9_is_left_empty_where_fewer_than_10000_samples_stand_behind_it()
    {
        var latency = Quick.Value.Summary.Where(r => r.Metric == "latency").ToList();
        Assert.NotEmpty(latency);
        Assert.All(latency, r => Assert.True(r.Count >= ResultSetBuilder.MinSamplesForP999 ? r.P999 is not null : r.P999 is null, $"{r.Workload}: {r.Count} samples, p99.9 {r.P999}"));
        Assert.Contains(latency, r => r.Count < ResultSetBuilder.MinSamplesForP999 && r.P99 is not null); // a quick run: p99 stays
    }

    [Fact]
    public void Lost_is_empty_not_0_where_nothing_was_delivered()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("netperf-nothing-").FullName, "nothing.yaml");
        File.WriteAllText(file, "name: nothing\nduration: 100us\nwarmup: 0us\n"
            + "workloads: [{name: crr, test: TCP_CRR, request: 1000000, response: 1000000, paths: [pod-cross-node]}]\ncompare: {cni: [calico-bgp]}\n");
        try
        {
            var outcome = ScenarioRunner.Run(ScenarioReader.Load(file), new RunOptions(), null, CancellationToken.None);
            var results = ResultSetBuilder.Build(outcome);

            Assert.Equal(0, Assert.Single(outcome.Results).Report.Transactions); // a megabyte each way cannot finish in 100 us
            Assert.True(double.IsNaN(results.Summary.Single(r => r.Metric == "lost").Mean));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
