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
}
