using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

/// <summary>The shipped conntrack-full scenario: a table that fills with TIME_WAIT entries, and its fix.</summary>
public class ConntrackFullFactsTests(ITestOutputHelper log)
{
    [Fact]
    public void Short_connections_fill_a_small_table_with_assured_time_wait_entries_and_lose_syns_while_kube_proxys_default_table_loses_none()
    {
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped("conntrack-full.yaml"));
        var summary = ResultSetBuilder.Build(ScenarioRunner.Run(scenario, new RunOptions())).Summary;
        double Metric(string variant, string metric) =>
            summary.Where(r => r.Variant == variant && r.Metric == metric).Select(r => r.Mean).DefaultIfEmpty(0).Single();

        double drops = Metric("ct256", "conntrack_drops"), rate = Metric("ct256", "throughput"), fixedRate = Metric("ct131072", "throughput");
        log.WriteLine($"ct256: {drops} drops/s, {Metric("ct256", "conntrack_evictions")} evictions/s, {rate} conn/s; ct131072: {fixedRate} conn/s");

        // A dropped SYN is retransmitted after the initial RTO (1 s), past the 50 ms run: each drop stalls a client.
        Assert.True(drops > 0);
        Assert.True(rate < fixedRate / 2, $"{rate} connections/s with the small table, {fixedRate} with the default");
        Assert.Equal(0, Metric("ct131072", "conntrack_drops"));
        Assert.Equal(0, Metric("ct131072", "conntrack_evictions"));
    }
}
