using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A NodePort Service's externalTrafficPolicy patched under load (kube-proxy iptables or nftables): an external client's
/// TCP_CRR through a node that holds no endpoint of it (placement across: node 1 or 3; the one web pod is on
/// node 2). Under Cluster that node forwards every connection to the pod; from the sync that follows the patch to
/// Local (at once: kube-proxy's token bucket is full), the node drops each new SYN ("has no local endpoints":
/// iptables' KUBE-EXTERNAL-SERVICES, nftables' external chain; pkg/proxy/{iptables,nftables}/proxier.go), counted
/// as the kernel's NETFILTER_DROP, and nothing
/// answers: no RST, the client resends at TCP_TIMEOUT_INIT (1 s, include/net/tcp.h), dropped again. Patched back
/// to Cluster, the next resend is forwarded and the clients go on. Under IPVS the node's ip_vs_leave answers
/// rate-limited ICMP port unreachable instead: a few connections refused, the rest dropped silently.
/// </summary>
public sealed class ExternalTrafficPolicyTimelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-etp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Manifests = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {nodeName: node2, containers: [{name: web, image: web:1, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: shop}
        spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30100}]}
        """;

    private ResultSet Run(string timeline, string duration = "1100ms", int threads = 1, string kubeProxy = "iptables") =>
        ResultSetBuilder.Build(ScenarioRunner.Run(Load(timeline, duration, kubeProxy), new RunOptions { Parallelism = threads }));

    private Model.Scenario Load(string timeline, string duration = "1100ms", string kubeProxy = "iptables")
    {
        File.WriteAllText(Path.Combine(_dir, "m.yaml"), Manifests);
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $$"""
            name: etp
            seed: 1
            duration: {{duration}}
            warmup: 10ms
            interval: 10ms
            cluster: { nodes: 3, coresPerNode: 4, cni: calico-bgp, kubeProxy: {{kubeProxy}} }
            manifests: [m.yaml]
            workloads:
              - { name: w, test: TCP_CRR, clients: 4, from: external, to: service/shop, placement: across }
            timeline:
            {{timeline}}
            """);
        return ScenarioReader.Load(path);
    }

    private static long Drops(TimeseriesRow t, string reason) => t.Drops.Where(x => x.Reason == reason).Sum(x => x.Count);

    [Fact]
    public void Under_IPVS_the_node_without_an_endpoint_refuses_a_burst_of_6_then_one_a_second_and_drops_the_rest()
    {
        // IPVS's NodePort virtual server on node 1 has no real server with a weight under Local: ip_vs_leave drops
        // each SYN and sends ICMP port unreachable, which the client's tcp_v4_err turns into ECONNREFUSED in SYN_SENT
        // (it connects again at once). The 4 clients share one outside host, one inet_peer for node 1's icmp_send:
        // a burst of XRLIM_BURST_FACTOR 6, then one a second (icmp_ratelimit 1000 ms; net/ipv4/icmp.c). The SYNs
        // the limit silences are resent at TCP_TIMEOUT_INIT (1 s), then after 2 s (the backoff): at 1,050 ms the 4
        // resends and the refused client's new SYN, one error; at 2,050 ms that client's resend (refused) and its
        // next SYN; at 3,050 ms the other 3's second resends and that client's two.
        var r = Run("  - { at: 50ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Local }", duration: "3100ms", kubeProxy: "ipvs");
        var rows = r.Timeseries;
        Assert.All(rows.Where(t => t.StartMilliseconds < 50), t => Assert.True(t.Transactions > 0 && t.Refused == 0));
        var at = rows.Single(t => t.StartMilliseconds == 50);
        Assert.True(at.Transactions > 0); // before the sync
        Assert.Equal((6, 10), (at.Refused, Drops(at, "IpvsNoDestination"))); // 6 answered, then each client's SYN silenced
        Assert.Equal([(1050, 1, 5), (2050, 1, 2), (3050, 1, 5)],
            rows.Where(t => t.StartMilliseconds > 50 && (t.Refused > 0 || t.Drops.Sum(x => x.Count) > 0)).Select(t => (t.StartMilliseconds, t.Refused, Drops(t, "IpvsNoDestination"))));
        Assert.All(rows.Where(t => t.StartMilliseconds >= 60), t => Assert.Equal(0, t.Transactions));
        Assert.All(rows, t => Assert.True(Drops(t, "NoSocket") == 0 && t.Reset == 0)); // the SYNs never reach node 1's TCP: no RST
    }

    [Fact]
    public void Under_IPVS_patched_back_to_Cluster_the_silenced_SYNs_resends_are_forwarded()
    {
        var r = Run("""
              - { at: 50ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Local }
              - { at: 500ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Cluster }
            """, kubeProxy: "ipvs");
        var rows = r.Timeseries;
        var at = rows.Single(t => t.StartMilliseconds == 50);
        Assert.Equal((6, 10), (at.Refused, Drops(at, "IpvsNoDestination")));
        Assert.All(rows.Where(t => t.StartMilliseconds is >= 60 and < 1050), t => Assert.True(t.Transactions == 0 && t.Refused == 0 && t.Drops.Sum(x => x.Count) == 0));
        Assert.All(rows.Where(t => t.StartMilliseconds >= 1050), t => Assert.True(t.Transactions > 0 && t.Refused == 0 && t.Drops.Sum(x => x.Count) == 0));
    }

    [Fact]
    public void A_manifests_Service_is_named_by_namespace_and_name_or_its_name_and_nothing_else()
    {
        Assert.Equal("default/shop", Load("  - { at: 50ms, action: setExternalTrafficPolicy, service: default/shop, externalTrafficPolicy: Local }").Timeline[0].Target);
        var e = Assert.Throws<ScenarioException>(() => Load("  - { at: 50ms, action: setExternalTrafficPolicy, service: shop/shop, externalTrafficPolicy: Local }"));
        Assert.Equal("timeline[0].service: no NodePort or LoadBalancer Service named 'shop/shop' under services or in the manifests; allowed: default/shop", Assert.Single(e.Errors).Message);
    }

    private static long NetfilterDrops(TimeseriesRow t) => t.Drops.Where(x => x.Reason == "Netfilter").Sum(x => x.Count);

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    public void Cluster_to_Local_serves_until_the_sync_then_the_node_without_an_endpoint_drops_every_SYN_and_its_resends(string kubeProxy)
    {
        var r = Run("  - { at: 50ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Local }", kubeProxy: kubeProxy);
        Assert.Equal(["setExternalTrafficPolicy", "kube-proxy sync started", "kube-proxy rules programmed"], r.Timeline.Select(e => e.Event));
        Assert.Equal("shop to Local", r.Timeline[0].Object);
        Assert.Equal("default/shop", r.Timeline[1].Object);
        double programmed = r.Timeline[2].AtMilliseconds;
        Assert.InRange(programmed, 50.001, 50.999); // the restore's time (18.35 us a line), within the 50 ms interval

        var rows = r.Timeseries;
        Assert.All(rows.Where(t => t.StartMilliseconds < 50), t => Assert.True(t.Transactions > 0 && NetfilterDrops(t) == 0));
        var at = rows.Single(t => t.StartMilliseconds == 50);
        Assert.True(at.Transactions > 0); // before the rules changed
        Assert.Equal(4, NetfilterDrops(at)); // then each client's SYN
        Assert.All(rows, t => Assert.Equal(0, t.Refused)); // a DROP: no RST
        Assert.All(rows.Where(t => t.StartMilliseconds >= 60), t => Assert.Equal(0, t.Transactions));
        Assert.Equal(4, NetfilterDrops(rows.Single(t => t.StartMilliseconds == 1050))); // the resends, 1 s later
        Assert.All(rows.Where(t => t.StartMilliseconds is >= 60 and < 1050), t => Assert.Equal(0, t.Drops.Sum(x => x.Count)));
    }

    [Fact]
    public void Patched_back_to_Cluster_the_first_resend_after_the_sync_is_forwarded_and_the_clients_go_on()
    {
        var r = Run("""
              - { at: 50ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Local }
              - { at: 500ms, action: setExternalTrafficPolicy, service: default/shop, externalTrafficPolicy: Cluster }
            """, duration: "1200ms"); // the same Service, by namespace/name
        Assert.Equal(2, r.Timeline.Count(e => e.Event == "kube-proxy rules programmed"));
        var rows = r.Timeseries;
        Assert.All(rows.Where(t => t.StartMilliseconds is >= 60 and < 1050), t => Assert.Equal(0, t.Transactions));
        Assert.Equal(0, rows.Where(t => t.StartMilliseconds >= 1050).Sum(NetfilterDrops));
        Assert.All(rows.Where(t => t.StartMilliseconds >= 1060), t => Assert.True(t.Transactions > 0));
    }

    [Fact]
    public void The_same_seed_gives_the_same_bytes_on_one_thread_or_two()
    {
        const string timeline = "  - { at: 50ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Local }";
        Assert.Equal(ResultCsv.TimeseriesAndTimeline(Run(timeline, "200ms", threads: 1)), ResultCsv.TimeseriesAndTimeline(Run(timeline, "200ms", threads: 2)));
    }
}
