using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A Service deleted under load, kube-proxy in iptables mode. Its rules stay until kube-proxy's next sync (here at
/// once: its token bucket is full) has rewritten KUBE-SERVICES without it; from then on a new connection's SYN to
/// the ClusterIP matches no rule, is not DNATed and is routed by the node's FIB like any other address: out of the
/// default route, where nothing answers for the Service range. So it is lost, not refused (no RST): the client
/// resends it at TCP_TIMEOUT_INIT (1 s, include/net/tcp.h), lost again. A connection open before the deletion keeps
/// its conntrack entry and its DNAT (kube-proxy deletes UDP entries of removed endpoints only) and goes on.
/// </summary>
public class RemoveServiceTimelineTests
{
    private static string Yaml(string test, int clients) => $$"""
        name: rmsvc
        seed: 1
        duration: 1100ms
        warmup: 10ms
        interval: 10ms
        cluster: { nodes: 3, coresPerNode: 4, cni: calico-bgp, kubeProxy: iptables }
        deployments:
          - { name: shop, replicas: 2, labels: { app: shop }, nodes: [2, 3] }
        services:
          - { name: shop, selector: { app: shop }, port: 80, targetPort: 8080 }
        workloads:
          - { name: w, test: {{test}}, clients: {{clients}}, service: shop, paths: [cluster-ip] }
        timeline:
          - { at: 50ms, action: removeService, service: shop }
        """;

    private static ResultSet Run(string test, int clients) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Yaml(test, clients), "rmsvc.yaml"), new RunOptions { Parallelism = 1 }));

    // The one-switch fabric's default gateway (192.168.15.254) is on no host unless a workload reaches outside:
    // the SYN routed there is dropped at neighbour resolution on the client's node.
    private static long Lost(TimeseriesRow t) => t.Drops.Where(x => x.Reason == "NeighbourUnresolved").Sum(x => x.Count);

    private static long AnyDrop(TimeseriesRow t) => t.Drops.Sum(x => x.Count);

    [Fact]
    public void New_connections_are_served_until_the_sync_removes_the_rules_then_their_SYNs_are_routed_and_lost_with_every_retransmission()
    {
        var r = Run("TCP_CRR", 4);
        Assert.Equal(["removeService", "kube-proxy sync started", "kube-proxy rules programmed"], r.Timeline.Select(e => e.Event));
        double programmed = r.Timeline.Single(e => e.Event == "kube-proxy rules programmed").AtMilliseconds;
        Assert.InRange(programmed, 50.001, 50.999); // the restore's time (18.35 us a line), within the 50 ms interval
        var rows = r.Timeseries;
        Assert.All(rows.Where(t => t.StartMilliseconds < 50), t => Assert.True(t.Transactions > 0 && AnyDrop(t) == 0));
        var at = rows.Single(t => t.StartMilliseconds == 50);
        Assert.True(at.Transactions > 0); // the connections opened before the rules went
        Assert.Equal(4, Lost(at)); // then each client's SYN
        Assert.All(rows, t => Assert.Equal(0, t.Refused)); // nothing answers: no RST
        Assert.All(rows.Where(t => t.StartMilliseconds >= 60), t => Assert.Equal(0, t.Transactions));
        // The SYNs resent 1 s after the first are lost the same way; nothing else is sent meanwhile.
        Assert.Equal(4, rows.Single(t => t.StartMilliseconds == 1050).Drops.Sum(x => x.Count));
        Assert.All(rows.Where(t => t.StartMilliseconds is >= 60 and < 1050), t => Assert.Equal(0, AnyDrop(t)));
    }

    [Fact]
    public void A_connection_open_before_the_deletion_goes_on_through_its_conntrack_entry()
    {
        var r = Run("TCP_RR", 1);
        Assert.All(r.Timeseries, t => Assert.True(t.Transactions > 0 && AnyDrop(t) == 0, $"interrupted at {t.StartMilliseconds} ms"));
    }
}
