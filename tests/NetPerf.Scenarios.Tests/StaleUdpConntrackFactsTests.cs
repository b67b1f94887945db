using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// scenarios/failures/stale-udp-conntrack.yaml: UDP clients that keep one socket each keep the DNAT their first
/// datagram chose for as long as they send (every datagram refreshes the conntrack entry), so after their endpoint
/// is gone their requests vanish; only kube-proxy's clean-up of the entries (at the first sync after the endpoint
/// stopped serving) ends it.
/// </summary>
public class StaleUdpConntrackFactsTests
{
    private const double TimeoutMs = 20; // the workload's: a client sends its next request 20 ms after an unanswered one
    private static readonly Lazy<ResultSet> Shipped = new(() => Run(threads: 2));

    private static ResultSet Run(int threads) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Load(HeadlineRun.Shipped("failures/stale-udp-conntrack.yaml")), new RunOptions { Parallelism = threads }));

    private static long NoSocket(TimeseriesRow t) => t.Drops.Single(x => x.Reason == "NoSocket").Count;

    private static List<TimeseriesRow> Rows(string variant) => [.. Shipped.Value.Timeseries.Where(t => t.Variant == variant)];

    private static List<TimelineRow> Log(string variant) => [.. Shipped.Value.Timeline.Where(e => e.Variant == variant)];

    private static double SigtermOf(string variant, string pod) => Log(variant).Single(e => e.Event == "SIGTERM" && e.Object == pod).AtMilliseconds;

    [Fact]
    public void Without_the_clean_up_every_datagram_after_the_old_pods_stop_goes_to_their_addresses_to_the_end_of_the_run()
    {
        var rows = Rows("staleudp-kept");
        var log = Log("staleudp-kept");
        Assert.DoesNotContain(log, e => e.Event.StartsWith("kube-proxy cleared", StringComparison.Ordinal));
        double last = SigtermOf("staleudp-kept", "echo-1");

        // kube-proxy's rules dropped both old pods (syncs at 300 ms, 1.2 s and 2.2 s) and new pods serve, yet no client moves:
        // each keeps sending on its flow, each datagram refreshes the entry and is DNATed to a pod that is gone.
        double lastSync = log.Last(e => e.Event == "kube-proxy rules programmed").AtMilliseconds;
        Assert.True(lastSync > last);
        var after = rows.Where(t => t.StartMilliseconds > last).ToList(); // the interval it stops in still completes what was answered before
        Assert.All(after, t => Assert.Equal(0, t.Transactions));
        Assert.All(after, t => Assert.True(NoSocket(t) > 0 && t.Lost > 0, $"nothing lost at {t.StartMilliseconds} ms"));
        Assert.All(rows.Where(t => t.StartMilliseconds + t.IntervalMilliseconds <= SigtermOf("staleudp-kept", "echo-0")), t => Assert.Equal(0, NoSocket(t) + t.Lost));
    }

    [Fact]
    public void With_it_the_black_hole_ends_when_kube_proxy_clears_the_entries_and_not_before()
    {
        var rows = Rows("staleudp-cleared");
        var log = Log("staleudp-cleared");
        var clears = log.Where(e => e.Event.StartsWith("kube-proxy cleared", StringComparison.Ordinal)).ToList();
        double stopped = SigtermOf("staleudp-cleared", "echo-1");
        double gone = log.Single(e => e.Event == "pod deleted" && e.Object == "echo-1").AtMilliseconds;

        // kube-proxy keeps the flows of an endpoint that still serves, terminating or not (CleanStaleEntries deletes
        // only entries whose reply source is no serving endpoint): the syncs at 300 and 1,200 ms, while echo-0 and
        // echo-1 are terminating but still in the slice as serving, clear nothing. The first sync after both have
        // left it (its token at 2.2 s) clears the four clients' flows, on the clients' node.
        var clear = Assert.Single(clears);
        Assert.Equal("kube-proxy cleared 4 UDP conntrack entries", clear.Event);
        Assert.True(clear.AtMilliseconds > gone, $"cleared at {clear.AtMilliseconds} ms, echo-1 left the slice at {gone} ms");
        Assert.Contains(log, e => e.Event == "kube-proxy rules programmed" && e.AtMilliseconds > stopped && e.AtMilliseconds < gone);
        double clearMs = clear.AtMilliseconds;

        // Until then its clients' datagrams meet a closed socket, then the clean-up moves every one of them.
        Assert.All(rows.Where(t => t.StartMilliseconds > stopped && t.StartMilliseconds + t.IntervalMilliseconds <= clearMs),
            t => Assert.True(t.Transactions == 0 && NoSocket(t) > 0, $"{t.Transactions} answered at {t.StartMilliseconds} ms"));

        // After the clear a client's next datagram is a new connection and meets the new rules: at most the request
        // sent before the clear is lost (after its timeout), nothing meets a closed socket, every interval answers.
        var recovered = rows.Where(t => t.StartMilliseconds >= clearMs + TimeoutMs).ToList();
        Assert.NotEmpty(recovered);
        Assert.All(recovered, t => Assert.True(t.Transactions > 0 && t.Lost == 0 && NoSocket(t) == 0, $"not recovered at {t.StartMilliseconds} ms"));
        Assert.All(rows.Where(t => t.StartMilliseconds > clearMs), t => Assert.Equal(0, NoSocket(t)));
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_timeseries_and_timeline_on_one_thread_or_two()
    {
        Assert.Equal(ResultCsv.TimeseriesAndTimeline(Run(threads: 1)), ResultCsv.TimeseriesAndTimeline(Shipped.Value));
    }
}
