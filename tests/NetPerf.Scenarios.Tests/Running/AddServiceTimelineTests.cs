using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A Service created under load, kube-proxy in iptables mode. proxier.go (pkg/proxy/iptables) writes KUBE-SERVICES
/// from its serviceMap, which takes a new Service only when a sync reads the informer's changes; the filter
/// table's "has no endpoints" REJECT is written for a Service in that map, so until the sync nothing matches the
/// new ClusterIP at all. A SYN to it is then not DNATed and is routed as any other address: out of the default
/// route, where nothing answers for the Service range, so it is lost, not refused (no RST). Its conntrack entry
/// is confirmed with a null binding (net/netfilter/nf_nat_core.c nf_nat_alloc_null_binding: no nat rule matched
/// a new connection), and nf_nat_inet_fn walks the nat table only for an entry whose NAT is not yet initialised,
/// so the client's retransmissions of that SYN (TCP_TIMEOUT_INIT, 1 s, include/net/tcp.h) keep the un-NATed tuple
/// after the sync too and are lost the same way, each refreshing the entry (SYN_SENT, 120 s). Only a connection
/// opened after the sync (a new source port, a new entry) reaches a pod.
/// </summary>
public class AddServiceTimelineTests
{
    private static string Yaml(string addAt) => $$"""
        name: addsvc
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
          - { name: w, test: TCP_CRR, clients: 4, service: shop, paths: [cluster-ip] }
        timeline:
          - { at: {{addAt}}, action: addService, service: shop }
          - { at: 50ms, action: startWorkload, workload: w }
        """;

    private static ResultSet Run(string addAt, int threads = 1) =>
        ResultSetBuilder.Build(ScenarioRunner.Run(ScenarioReader.Parse(Yaml(addAt), "addsvc.yaml"), new RunOptions { Parallelism = threads }));

    // The one-switch fabric's default gateway is on no host unless a workload reaches outside: a SYN routed there
    // is dropped at neighbour resolution on the client's node.
    private static long Lost(TimeseriesRow t) => t.Drops.Where(x => x.Reason == "NeighbourUnresolved").Sum(x => x.Count);

    private static long AnyDrop(TimeseriesRow t) => t.Drops.Sum(x => x.Count);

    [Fact]
    public void Connections_opened_before_kube_proxys_sync_programs_the_new_Service_are_lost_and_so_are_their_retransmissions_after_it()
    {
        var r = Run("50ms");
        Assert.Equal(["addService", "startWorkload", "kube-proxy sync started", "kube-proxy rules programmed"], r.Timeline.Select(e => e.Event));
        var sync = r.Timeline.Single(e => e.Event == "kube-proxy sync started");
        Assert.Equal("shop", sync.Object);
        double programmed = r.Timeline.Single(e => e.Event == "kube-proxy rules programmed").AtMilliseconds;
        Assert.InRange(programmed, 50.001, 50.999); // the restore's time (18.35 us a line), within the 50 ms interval
        var rows = r.Timeseries;
        Assert.Equal(4, Lost(rows.Single(t => t.StartMilliseconds == 50))); // each client's first SYN, sent before the rules were in
        Assert.All(rows, t => Assert.Equal(0, t.Refused)); // no REJECT, no RST: nothing matched the ClusterIP
        Assert.All(rows, t => Assert.Equal(0, t.Transactions));
        Assert.All(rows.Where(t => t.StartMilliseconds is > 50 and < 1050), t => Assert.Equal(0, AnyDrop(t)));
        // The SYNs resent 1 s later, long after the sync, follow their entry's null binding and are lost again.
        Assert.Equal(4, Lost(rows.Single(t => t.StartMilliseconds == 1050)));
    }

    [Fact]
    public void A_Service_programmed_before_its_clients_start_serves_them_from_their_first_connection()
    {
        var r = Run("40ms");
        double programmed = r.Timeline.Single(e => e.Event == "kube-proxy rules programmed").AtMilliseconds;
        Assert.InRange(programmed, 40.001, 40.999);
        Assert.All(r.Timeseries.Where(t => t.StartMilliseconds >= 50), t => Assert.True(t.Transactions > 0 && AnyDrop(t) == 0, $"interrupted at {t.StartMilliseconds} ms"));
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_timeseries_and_timeline_on_one_thread_or_two()
    {
        Assert.Equal(ResultCsv.TimeseriesAndTimeline(Run("50ms", threads: 1)), ResultCsv.TimeseriesAndTimeline(Run("50ms", threads: 2)));
    }
}
