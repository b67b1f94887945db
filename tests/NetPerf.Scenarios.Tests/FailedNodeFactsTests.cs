using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// scenarios/failures/failed-node.yaml: a node that fails hard keeps its pods Ready in their EndpointSlice until
/// the node lifecycle controller's grace period (cut to 1 s) has passed without a lease renewal, so the UDP clients
/// DNATed to its pod lose every request (their datagrams go out of a NIC with no carrier at the far end) while the
/// others are answered. Then the pod is marked not Ready and kube-proxy drops it: with its conntrack clean-up the
/// stuck clients move to the other pod; without it their flows stay DNATed to the dead pod to the end.
/// </summary>
public class FailedNodeFactsTests
{
    private const double FailedAt = 200, Grace = 1000, TimeoutMs = 20; // the scenario's failNode, nodeMonitorGracePeriod, the workload's timeout
    private static readonly Lazy<ResultSet> Shipped = new(() => Run(threads: 2));

    private static ResultSet Run(int threads) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Load(HeadlineRun.Shipped("failures/failed-node.yaml")), new RunOptions { Parallelism = threads }));

    private static long CarrierDown(TimeseriesRow t) => t.Drops.Single(x => x.Reason == "CarrierDown").Count;

    private static List<TimeseriesRow> Rows(string variant) => [.. Shipped.Value.Timeseries.Where(t => t.Variant == variant)];

    private static List<TimelineRow> Log(string variant) => [.. Shipped.Value.Timeline.Where(e => e.Variant == variant)];

    [Theory]
    [InlineData("staleudp-cleared")]
    [InlineData("staleudp-kept")]
    public void The_failed_nodes_pod_stays_a_Ready_endpoint_until_the_grace_period_and_its_clients_requests_time_out_meanwhile(string variant)
    {
        var log = Log(variant);
        Assert.Equal(FailedAt, log.Single(e => e.Event == "node failed").AtMilliseconds);
        // Nothing reaches the API until the controller gives up on the node's lease: no slice change, no sync.
        Assert.Equal(("echo-1", FailedAt + Grace), log.Where(e => e.Event == "pod not ready").Select(e => (e.Object, e.AtMilliseconds)).Single());
        Assert.Equal(FailedAt + Grace, log.Single(e => e.Event == "node unreachable").AtMilliseconds);
        Assert.DoesNotContain(log, e => e.Event.StartsWith("kube-proxy", StringComparison.Ordinal) && e.AtMilliseconds < FailedAt + Grace);
        Assert.DoesNotContain(log, e => e.Event == "pods evicted"); // 300 s after the taint, past the run

        var rows = Rows(variant);
        Assert.All(rows.Where(t => t.StartMilliseconds < FailedAt), t => Assert.Equal(0, t.Lost + CarrierDown(t)));
        // Every interval of the window: requests sent to the dead pod time out, the client on the live one is answered.
        Assert.All(rows.Where(t => t.StartMilliseconds >= FailedAt + TimeoutMs && t.StartMilliseconds + t.IntervalMilliseconds <= FailedAt + Grace),
            t => Assert.True(t.Lost > 0 && CarrierDown(t) > 0 && t.Transactions > 0, $"{t.Lost} lost, {t.Transactions} answered at {t.StartMilliseconds} ms"));
    }

    [Fact]
    public void With_kube_proxys_conntrack_clean_up_every_client_is_answered_again_from_the_sync_that_drops_the_pod()
    {
        var log = Log("staleudp-cleared");
        var programmed = log.Single(e => e.Event == "kube-proxy rules programmed").AtMilliseconds;
        Assert.InRange(programmed, FailedAt + Grace, FailedAt + Grace + 1); // the sync at once (tokens full), plus its restore time
        var cleared = log.Single(e => e.Event.StartsWith("kube-proxy cleared", StringComparison.Ordinal));
        Assert.Equal(programmed, cleared.AtMilliseconds);
        Assert.All(Rows("staleudp-cleared").Where(t => t.StartMilliseconds >= programmed + TimeoutMs),
            t => Assert.True(t.Lost == 0 && CarrierDown(t) == 0 && t.Transactions > 0, $"not recovered at {t.StartMilliseconds} ms"));
    }

    [Fact]
    public void Without_it_the_clients_on_the_dead_pod_lose_every_request_to_the_end_although_it_left_the_slice()
    {
        var log = Log("staleudp-kept");
        Assert.DoesNotContain(log, e => e.Event.StartsWith("kube-proxy cleared", StringComparison.Ordinal));
        var rows = Rows("staleudp-kept");
        double programmed = log.Single(e => e.Event == "kube-proxy rules programmed").AtMilliseconds;
        // Each datagram refreshes its flow's entry, so it never expires and keeps its DNAT to the failed node.
        Assert.All(rows.Where(t => t.StartMilliseconds > programmed), t => Assert.True(t.Lost > 0 && CarrierDown(t) > 0, $"nothing lost at {t.StartMilliseconds} ms"));
        // And as many are answered as in the window before the sync: the same one client on the live pod.
        long during = rows.Single(t => t.StartMilliseconds == 1000).Transactions;
        Assert.All(rows.Where(t => t.StartMilliseconds > programmed), t => Assert.InRange(t.Transactions, during - 2, during + 2));
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_timeseries_and_timeline_on_one_thread_or_two()
    {
        Assert.Equal(ResultCsv.TimeseriesAndTimeline(Run(threads: 1)), ResultCsv.TimeseriesAndTimeline(Shipped.Value));
    }
}
