using NetPerf.Engine.Time;
using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// scenarios/failures/dns-race.yaml (kubernetes#56903): on a 5.4 kernel with two cores and two CoreDNS pods,
/// lookups whose A and AAAA were DNATed to different pods lose one at conntrack confirmation and take the
/// resolver's 5 s timeout; never with single-request-reopen, on one core, with one CoreDNS pod, or on 6.18.
/// </summary>
public class DnsRaceFactsTests
{
    private static readonly Lazy<Scenario> Scenario = new(() => ScenarioReader.Load(HeadlineRun.Shipped("failures/dns-race.yaml")));
    private static readonly Lazy<ResultSet> Shipped = new(() => Run(Scenario.Value, threads: 2));

    private static ResultSet Run(Scenario s, int threads = 1) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(s, new RunOptions { Parallelism = threads }));

    private static long InsertFailed(TimeseriesRow t) => t.Drops.Single(d => d.Reason == "ConntrackInsertFailed").Count;

    /// <summary>The parallel variant only, shorter, on a changed cluster.</summary>
    private static List<TimeseriesRow> Parallel(Func<ClusterSpec, ClusterSpec> change)
    {
        var s = Scenario.Value with
        {
            Duration = SimTime.FromSeconds(6),
            Cluster = change(Scenario.Value.Cluster),
            Compare = Scenario.Value.Compare with { Resolver = [Kubernetes.Dns.ResolverQueries.Parallel] },
        };
        return [.. Run(s).Timeseries];
    }

    [Fact]
    public void With_parallel_queries_lookups_hit_by_the_race_take_the_resolvers_5_s_timeout_and_each_hit_is_an_insert_failed_drop()
    {
        var rows = Shipped.Value.Timeseries.Where(t => t.Variant == "parallel").ToList();
        long delayed = rows.Sum(t => t.DnsDelayed), dropped = rows.Sum(InsertFailed);
        Assert.True(delayed >= 4, $"{delayed} delayed lookups");
        Assert.Equal(0, rows.Sum(t => t.DnsFailed)); // the retry after the timeout, one query at a time, is answered

        // A delayed lookup took the timeout and a round trip: every interval that completed one has its p99 past 5 s.
        Assert.All(rows.Where(t => t.DnsDelayed > 0), t => Assert.InRange(t.P99Microseconds, 5e6, 5e6 + 5e3));
        Assert.All(rows.Where(t => t.DnsDelayed == 0 && t.Transactions > 0), t => Assert.True(t.P99Microseconds < 5e3));

        // Each lost query is one insert_failed drop 5 s before its lookup completes; the last ones complete after the run.
        Assert.InRange(dropped, delayed, delayed + 4);

        // Not every lookup is hit: when DNAT sends both queries to the same pod the clash is merged.
        Assert.True(rows.Sum(t => t.Transactions) > delayed);
    }

    [Fact]
    public void Single_request_reopen_sends_aaaa_after_as_answer_from_a_new_socket_and_no_lookup_waits()
    {
        var rows = Shipped.Value.Timeseries.Where(t => t.Variant == "single-request-reopen").ToList();
        Assert.True(rows.Sum(t => t.Transactions) > 10_000);
        Assert.Equal(0, rows.Sum(t => t.DnsDelayed));
        Assert.Equal(0, rows.Sum(InsertFailed));
        Assert.All(rows.Where(t => t.Transactions > 0), t => Assert.True(t.P99Microseconds < 5e3));
    }

    [Fact]
    public void The_race_needs_two_cores_two_coredns_pods_a_kernel_before_5_6_and_dnat_so_nodelocal_dnscache_avoids_it()
    {
        foreach (var rows in new[]
        {
            Parallel(c => c with { CoresPerNode = 1 }),
            Parallel(c => c with { CoreDnsReplicas = 1 }),
            Parallel(c => c with { Kernel = KernelLine.Linux6_18 }),
            Parallel(c => c with { NodeLocalDns = true }), // no DNAT: the clash, if any, is of identical entries
        })
        {
            Assert.True(rows.Sum(t => t.Transactions) > 1_000);
            Assert.Equal(0, rows.Sum(t => t.DnsDelayed));
            Assert.Equal(0, rows.Sum(InsertFailed));
        }
    }

    [Fact]
    public void Before_4_19_even_one_coredns_pod_loses_queries()
    {
        var rows = Parallel(c => c with { CoreDnsReplicas = 1, Kernel = KernelLine.Linux4_14 });
        Assert.True(rows.Sum(t => t.DnsDelayed) > 0);
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_timeseries_on_one_thread_or_two()
    {
        Assert.Equal(ResultCsv.Timeseries(Shipped.Value), ResultCsv.Timeseries(Run(Scenario.Value, threads: 1)));
    }
}
