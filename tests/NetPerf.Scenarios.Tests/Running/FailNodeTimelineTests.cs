using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A timeline's failNode under UDP clients of a Service: the failed node's pod answers nothing from the failure on,
/// yet stays a Ready endpoint, and the clients DNATed to it lose every request, until the node lifecycle
/// controller's grace period has passed; then kube-proxy drops it (and clears the flows' UDP entries) and every
/// client is answered again. The grace period is cut to 200 ms here so the run is short; its 50 s default and the
/// 300 s eviction are held by NodeLifecycleControllerTests.
/// </summary>
public class FailNodeTimelineTests
{
    private const string Yaml = """
        name: fail
        seed: 1
        duration: 400ms
        warmup: 10ms
        interval: 20ms
        cluster: { nodes: 3, coresPerNode: 4, cni: calico-bgp, kubeProxy: iptables, nodeMonitorGracePeriod: 200ms }
        deployments:
          - { name: echo, replicas: 2, labels: { app: echo }, nodes: [2, 3] }
        services:
          - { name: echo, selector: { app: echo }, port: 5353, protocol: UDP }
        workloads:
          - { name: rr, test: UDP_RR, clients: 4, timeout: 20ms, service: echo, paths: [cluster-ip] }
        timeline:
          - { at: 50ms, action: failNode, node: 3 }
        """;

    private static readonly Lazy<ResultSet> Shipped = new(() =>
        ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Yaml, "fail.yaml"), new RunOptions { Parallelism = 1 })));

    private static long CarrierDown(TimeseriesRow t) => t.Drops.Single(x => x.Reason == "CarrierDown").Count;

    [Fact]
    public void The_control_plane_notices_only_after_the_grace_period_and_kube_proxy_then_drops_the_pod()
    {
        var log = Shipped.Value.Timeline;
        Assert.Equal(["failNode", "node failed"], log.Where(e => e.AtMilliseconds == 50).Select(e => e.Event));
        Assert.Equal(250, log.Single(e => e.Event == "node unreachable").AtMilliseconds); // failure + grace period
        Assert.Equal(("echo-1", 250.0), log.Where(e => e.Event == "pod not ready").Select(e => (e.Object, e.AtMilliseconds)).Single());
        Assert.DoesNotContain(log, e => e.Event is "kube-proxy sync started" && e.AtMilliseconds < 250); // nothing changed for the API until then
        Assert.DoesNotContain(log, e => e.Event is "pods evicted" or "pod created"); // the eviction comes 300 s later
    }

    [Fact]
    public void Requests_DNATed_to_the_failed_nodes_pod_are_lost_from_the_failure_until_kube_proxy_drops_it_and_never_otherwise()
    {
        var r = Shipped.Value;
        double programmed = r.Timeline.First(e => e.Event == "kube-proxy rules programmed").AtMilliseconds;
        Assert.StartsWith("kube-proxy cleared", r.Timeline.Single(e => e.AtMilliseconds == programmed && e.Event != "kube-proxy rules programmed").Event, StringComparison.Ordinal);
        var rows = r.Timeseries;

        Assert.All(rows.Where(t => t.StartMilliseconds + t.IntervalMilliseconds <= 50), t => Assert.Equal(0, t.Lost + CarrierDown(t)));
        // Every interval of the window (as long as the clients' timeout): datagrams lost at the dead node's NIC, and
        // the requests that carried them given up on.
        Assert.All(rows.Where(t => t.StartMilliseconds >= 60 && t.StartMilliseconds + t.IntervalMilliseconds <= programmed),
            t => Assert.True(t.Lost > 0 && CarrierDown(t) > 0, $"nothing lost at {t.StartMilliseconds} ms"));
        // A timeout after the sync, every client is on the other pod: nothing lost, nothing sent to the dead node.
        Assert.All(rows.Where(t => t.StartMilliseconds >= programmed + 20), t => Assert.True(t.Lost == 0 && CarrierDown(t) == 0 && t.Transactions > 0, $"not recovered at {t.StartMilliseconds} ms"));
    }
}
