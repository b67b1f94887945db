using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Results;

/// <summary>timeseries.csv: results per interval of the measured window.</summary>
public class TimeseriesTests
{
    private static ResultSet Run(Model.Scenario s, int threads = 2) => ResultSetBuilder.Build(ScenarioRunner.Run(s, new RunOptions { Parallelism = threads }));

    [Fact]
    public void The_intervals_add_up_to_the_summary_and_show_when_the_conntrack_table_filled()
    {
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped("conntrack-full.yaml"));
        var r = Run(scenario);
        foreach (var variant in new[] { "ct256", "ct131072" })
        {
            var rows = r.Timeseries.Where(t => t.Variant == variant).ToList();
            Assert.Equal(5, rows.Count); // 50 ms in 10 ms intervals
            double throughput = r.Summary.Single(s => s.Variant == variant && s.Metric == "throughput").Mean;
            Assert.Equal(throughput * scenario.Duration.TotalSeconds, rows.Sum(t => t.Transactions), tolerance: 1e-6);
        }

        // The small table's drops all fall in the first interval (it fills in the warm-up and the first 10 ms);
        // after them its clients wait out the SYN's 1 s retransmission and complete nothing.
        var small = r.Timeseries.Where(t => t.Variant == "ct256").ToList();
        long Full(TimeseriesRow t) => t.Drops.Single(d => d.Reason == "ConntrackTableFull").Count;
        Assert.True(Full(small[0]) > 0);
        Assert.All(small.Skip(1), t => Assert.Equal(0, t.Transactions));
        Assert.All(r.Timeseries.Where(t => t.Variant == "ct131072"), t => Assert.Equal(0, Full(t)));

        // CPU per node per interval: no node is busier than its cores for the interval, and the small table's
        // nodes, whose clients wait out their SYNs' retransmission, are all but idle while the large one's work.
        long Cpu(TimeseriesRow t, string node) => t.Cpu.Single(c => c.Host == node).Picoseconds;
        long capacity = scenario.Cluster.CoresPerNode * scenario.Interval.Picoseconds;
        Assert.All(r.Timeseries, t => Assert.All(new[] { "node1", "node2" }, n => Assert.InRange(Cpu(t, n), 0, capacity)));
        var large = r.Timeseries.Where(t => t.Variant == "ct131072").ToList();
        for (int i = 1; i < small.Count; i++)
        {
            Assert.True(Cpu(large[i], "node1") > capacity / 100, "the large table's client node works");
            Assert.True(Cpu(small[i], "node1") < Cpu(large[i], "node1") / 100, $"interval {i}: the small table's client node idles");
        }
    }

    [Fact]
    public void The_same_seed_gives_a_byte_identical_timeseries_on_one_thread_or_two_and_the_interval_key_sets_its_rows()
    {
        var scenario = ScenarioReader.Load(HeadlineRun.Shipped("conntrack-full.yaml"));
        Assert.Equal(ResultCsv.Timeseries(Run(scenario, threads: 1)), ResultCsv.Timeseries(Run(scenario, threads: 2)));

        var fine = scenario with { Interval = Engine.Time.SimTime.FromMilliseconds(5) };
        Assert.Equal(20, Run(fine).Timeseries.Count); // 2 variants x 50 ms / 5 ms
    }
}
