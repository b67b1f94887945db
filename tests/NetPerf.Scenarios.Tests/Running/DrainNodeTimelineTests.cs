using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A timeline's drainNode under short connections to a ClusterIP: the evicted pod's SIGTERM and kube-proxy's sync
/// race as in a rollout, so without a preStop hook the connections DNATed to it between the two are refused; with
/// a preStop sleep longer than the sync none are. Its replacement starts on the node left schedulable.
/// </summary>
public class DrainNodeTimelineTests
{
    private static string Yaml(string preStop) => $$"""
        name: drain
        seed: 1
        duration: 300ms
        warmup: 10ms
        interval: 10ms
        cluster: { nodes: 3, coresPerNode: 4, cni: calico-bgp, kubeProxy: iptables }
        deployments:
          - { name: shop, replicas: 2, labels: { app: shop }, nodes: [2, 3], preStopSleep: {{preStop}} }
        services:
          - { name: shop, selector: { app: shop }, port: 80, targetPort: 8080 }
        workloads:
          - { name: crr, test: TCP_CRR, clients: 4, service: shop, paths: [cluster-ip] }
        timeline:
          - { at: 50ms, action: drainNode, node: 3 }
        """;

    private static ResultSet Run(string preStop) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Yaml(preStop), "drain.yaml"), new RunOptions { Parallelism = 1 }));

    [Fact]
    public void Without_a_preStop_hook_connections_are_refused_only_until_the_sync_that_drops_the_evicted_pod()
    {
        var r = Run("0s");
        var log = r.Timeline;
        Assert.Equal(["drainNode", "node cordoned", "pod terminating", "pod created", "SIGTERM", "kube-proxy sync started", "kube-proxy rules programmed"],
            log.Where(e => e.AtMilliseconds < 60).Select(e => e.Event));
        Assert.Equal("shop-1", log.Single(e => e.Event == "pod terminating").Object); // the pod on node 3
        double sigterm = log.Single(e => e.Event == "SIGTERM").AtMilliseconds;
        double programmed = log.First(e => e.Event == "kube-proxy rules programmed").AtMilliseconds;
        Assert.Equal(50, sigterm);
        Assert.True(programmed > sigterm); // the restore takes its time (18.35 us a line)

        // A refusal is counted when the RST is back, a round trip after the SYN: within 1 ms of the window.
        Assert.True(r.Timeseries.Sum(t => t.Refused) > 0);
        Assert.All(r.Timeseries.Where(t => t.StartMilliseconds + t.IntervalMilliseconds <= sigterm || t.StartMilliseconds > programmed + 1), t => Assert.Equal(0, t.Refused));
        Assert.All(r.Timeseries.Where(t => t.StartMilliseconds > programmed + 1), t => Assert.True(t.Transactions > 0));
    }

    [Fact]
    public void A_preStop_sleep_longer_than_the_sync_refuses_nothing()
    {
        var r = Run("100ms");
        Assert.Equal(150, r.Timeline.Single(e => e.Event == "SIGTERM").AtMilliseconds); // drain at 50 ms, preStop 100 ms
        Assert.All(r.Timeseries, t => Assert.Equal(0, t.Refused));
    }

    [Fact]
    public void Draining_every_node_of_a_deployment_leaves_its_replacements_Pending_until_a_node_is_uncordoned()
    {
        var yaml = Yaml("0s").Replace("kubeProxy: iptables }", "kubeProxy: iptables, minSyncPeriod: 20ms }", StringComparison.Ordinal)
            .Replace("  - { at: 50ms, action: drainNode, node: 3 }", "  - { at: 50ms, action: drainNode, node: 3 }\n  - { at: 100ms, action: drainNode, node: 2 }\n  - { at: 200ms, action: uncordonNode, node: 3 }", StringComparison.Ordinal);
        var r = ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(yaml, "drain.yaml"), new RunOptions { Parallelism = 1 }));
        var log = r.Timeline;
        // kubectl describe pod's FailedScheduling, for both replacements of node 2's pods: node 1 is not one of shop's nodes.
        const string why = "pod pending: 0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
        Assert.Equal([(100.0, "shop-3"), (100.0, "shop-4")], log.Where(e => e.Event == why).Select(e => (e.AtMilliseconds, e.Object)));
        Assert.Equal([(200.0, "shop-3"), (200.0, "shop-4")], log.Where(e => e.Event == "pod scheduled to node3").Select(e => (e.AtMilliseconds, e.Object)));
        Assert.DoesNotContain(log, e => e.Event == "pod created" && e.AtMilliseconds is > 100 and < 200);

        // With no pod to serve it, no connection completes from the sync after the second drain until the sync
        // after the uncordon; then the Service is served again.
        var programmed = log.Where(e => e.Event == "kube-proxy rules programmed").Select(e => e.AtMilliseconds).ToList();
        double empty = programmed.First(t => t > 100), back = programmed.First(t => t > 200);
        Assert.All(r.Timeseries.Where(t => t.StartMilliseconds > empty && t.StartMilliseconds + t.IntervalMilliseconds < 200), t => Assert.Equal(0, t.Transactions));
        Assert.All(r.Timeseries.Where(t => t.StartMilliseconds > back + 1), t => Assert.True(t.Transactions > 0, $"none at {t.StartMilliseconds} ms"));
    }
}
