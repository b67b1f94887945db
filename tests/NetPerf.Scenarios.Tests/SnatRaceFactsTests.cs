using NetPerf.Engine.Time;
using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// scenarios/failures/snat-race.yaml (kubernetes#76699): two pods on a node of two cores open short connections
/// to one server outside the cluster, masqueraded to the node's address, on 4.14 kernels. Without --random-fully a
/// connection whose port is held (an earlier connection's entry in TIME_WAIT) is given the next free port after
/// the shared rover (nf_nat_proto_common.c, nf_nat_l4proto_unique_tuple: <c>off = *rover</c>); two CPUs searching
/// before either entry is confirmed take one port, and __nf_conntrack_confirm drops the second SYN (insert_failed).
/// The client resends it after its initial RTO, 1 s (TCP_TIMEOUT_INIT, include/net/tcp.h), so its connection
/// takes a second. With --random-fully (NF_NAT_RANGE_PROTO_RANDOM_FULLY: <c>off = prandom_u32()</c>) two searches
/// start apart, but 4.14 walks on from the start to the next free port, so on a table dense with TIME_WAIT
/// mappings two starts in one run of held ports still meet at its end: rarely, not never.
/// </summary>
public class SnatRaceFactsTests
{
    private static readonly Lazy<Scenario> Scenario = new(() => ScenarioReader.Load(HeadlineRun.Shipped("failures/snat-race.yaml")));
    private static readonly Lazy<ResultSet> Shipped = new(() => Run(Scenario.Value, threads: 2));

    /// <summary>TCP_TIMEOUT_INIT: the SYN's first retransmission timeout.</summary>
    private const double InitialRtoUs = 1e6;

    private static ResultSet Run(Scenario s, int threads = 1) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(s, new RunOptions { Parallelism = threads }));

    private static long InsertFailed(TimeseriesRow t) => t.Drops.Single(d => d.Reason == "ConntrackInsertFailed").Count;

    private static List<TimeseriesRow> Rows(ResultSet r, string variant, string workload) =>
        [.. r.Timeseries.Where(t => t.Variant == variant && t.Workload == workload).OrderBy(t => t.StartMilliseconds)];

    [Fact]
    public void Without_random_fully_a_syn_lost_to_insert_failed_is_resent_after_1_s_and_its_connection_takes_that_long()
    {
        var all = Shipped.Value.Timeseries.Where(t => t.Variant == "masq-keep-source").ToList();
        // Drops are every host's (TimeseriesRow.Drops), the same in each workload's rows: client-a's rows count both pods'.
        var drops = Rows(Shipped.Value, "masq-keep-source", "client-a").Where(t => InsertFailed(t) > 0).Select(t => t.StartMilliseconds).ToList();
        Assert.True(drops.Count >= 3, $"{drops.Count} intervals with insert_failed drops");

        // A connection set up through a resent SYN completes 1 s (and a round trip) after the drop: the interval
        // that holds it has its p99 at 1 s, as the only slow transaction of its few; every other interval is fast.
        var slow = all.Where(t => t.Transactions > 0 && t.P99Microseconds >= InitialRtoUs).ToList();
        Assert.All(slow, t => Assert.InRange(t.P99Microseconds, InitialRtoUs, InitialRtoUs + 5e3));
        Assert.All(all.Where(t => t.Transactions > 0 && t.P99Microseconds < InitialRtoUs), t => Assert.True(t.P99Microseconds < 5e3, $"{t.Workload} at {t.StartMilliseconds} ms: p99 {t.P99Microseconds} us"));
        double end = Scenario.Value.Duration.TotalMilliseconds;
        foreach (double at in drops.Where(d => d + InitialRtoUs / 1e3 + 20 < end))
        {
            Assert.Contains(slow, t => Math.Abs(t.StartMilliseconds - (at + InitialRtoUs / 1e3)) <= 20);
        }

        // The pod whose SYN was lost waits out the second with its one client: nothing of it completes between the
        // drop and the resent SYN (which pod loses a race is the timing's; either may).
        foreach (double at in drops.Where(d => d + InitialRtoUs / 1e3 + 20 < end))
        {
            var stalled = new[] { "client-a", "client-b" }.Where(w => Rows(Shipped.Value, "masq-keep-source", w)
                .Where(t => t.StartMilliseconds > at + 10 && t.StartMilliseconds < at + InitialRtoUs / 1e3 - 10)
                .All(t => t.Transactions == 0)).ToList();
            Assert.NotEmpty(stalled);
        }
    }

    [Fact]
    public void With_random_fully_fewer_syns_are_lost_and_each_costs_its_connection_the_1_s_retransmission()
    {
        // keep-source's searches of one instant all start at the rover and meet whenever they overlap; random-fully's
        // meet only when both random starts fall in one run of held ports. Drops are every host's, the same in both
        // workloads' rows.
        long keepDrops = Rows(Shipped.Value, "masq-keep-source", "client-a").Sum(InsertFailed);
        var fullyDropsAt = Rows(Shipped.Value, "masq-random-fully", "client-a").Where(t => InsertFailed(t) > 0).Select(t => t.StartMilliseconds).ToList();
        Assert.True(fullyDropsAt.Count * 2 < keepDrops, $"random-fully lost {fullyDropsAt.Count} SYNs, keep-source {keepDrops}");

        var all = Shipped.Value.Timeseries.Where(t => t.Variant == "masq-random-fully" && t.Transactions > 0).ToList();
        foreach (string workload in new[] { "client-a", "client-b" })
        {
            Assert.True(all.Where(t => t.Workload == workload).Sum(t => t.Transactions) > 30_000);
        }

        // Every slow interval is a lost SYN's connection, 1 s after the drop; every other interval is fast.
        var slow = all.Where(t => t.P99Microseconds >= 5e3).ToList();
        Assert.All(slow, t => Assert.InRange(t.P99Microseconds, InitialRtoUs, InitialRtoUs + 5e3));
        Assert.All(slow, t => Assert.Contains(fullyDropsAt, at => Math.Abs(t.StartMilliseconds - (at + InitialRtoUs / 1e3)) <= 20));
        double end = Scenario.Value.Duration.TotalMilliseconds;
        Assert.Equal(fullyDropsAt.Count(at => at + InitialRtoUs / 1e3 + 20 < end), slow.Count);
    }

    [Fact]
    public void The_failures_that_p99_hides_are_named_for_the_variant_that_met_them()
    {
        // A few 1 s waits among tens of thousands of connections move neither p50 nor p99, and keep-source's stalled
        // clients leave the CPU they would have used: the CPU verdict cannot show the race; the failure verdict does.
        var failures = FailureVerdict.Of(Shipped.Value);
        Assert.NotEmpty(failures);
        foreach (var path in failures)
        {
            var keep = path.Variants.Single(v => v.Variant == "masq-keep-source");
            var fully = path.Variants.Single(v => v.Variant == "masq-random-fully");
            double Timeouts(VariantFailures v) => v.Failures.Where(f => f.Kind == "TCP retransmission timeouts").Sum(f => f.PerReplication);
            Assert.True(Timeouts(keep) >= 1);
            Assert.True(Timeouts(fully) < Timeouts(keep), $"{path.Path}: random-fully {Timeouts(fully)}, keep-source {Timeouts(keep)}");
            Assert.True(keep.TransactionsPerSecond < fully.TransactionsPerSecond, "a client waiting 1 s for its SYN's retransmission completes fewer connections");
        }
    }

    [Fact]
    public void On_one_core_the_two_pods_connections_never_race_so_no_syn_is_lost()
    {
        // One CPU sets up one connection at a time: each search sees the entries confirmed before it.
        var s = Scenario.Value with
        {
            Duration = SimTime.FromSeconds(3),
            Cluster = Scenario.Value.Cluster with { CoresPerNode = 1 },
            Compare = Scenario.Value.Compare with { MasqueradePorts = [Network.Netfilter.NatPortSelection.KeepSource] },
        };
        var rows = Run(s).Timeseries;
        Assert.True(rows.Sum(t => t.Transactions) > 10_000);
        Assert.Equal(0, rows.Sum(InsertFailed));
        Assert.All(rows.Where(t => t.Transactions > 0), t => Assert.True(t.P99Microseconds < 1e4));
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_timeseries_on_one_thread_or_two()
    {
        Assert.Equal(ResultCsv.Timeseries(Shipped.Value), ResultCsv.Timeseries(Run(Scenario.Value, threads: 1)));
    }
}
