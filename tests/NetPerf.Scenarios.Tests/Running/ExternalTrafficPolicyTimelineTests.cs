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
/// to Cluster, the next resend is forwarded and the clients go on. Under IPVS the same patch refuses instead.
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

    [Fact]
    public void Under_IPVS_the_node_without_an_endpoint_refuses_instead_until_the_patch_back_to_Cluster()
    {
        // IPVS's NodePort virtual server on node 1 has no real server with a weight under Local: the SYN goes on to
        // the node's own stack, where nothing listens on the port (NO_SOCKET, a RST), and each client connects
        // again at once. Back under Cluster the next attempt is forwarded: no SYN waits for its resend.
        var r = Run("""
              - { at: 50ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Local }
              - { at: 500ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Cluster }
            """, duration: "600ms", kubeProxy: "ipvs");
        long NoSocket(TimeseriesRow t) => t.Drops.Where(x => x.Reason == "NoSocket").Sum(x => x.Count);
        var rows = r.Timeseries;
        Assert.All(rows.Where(t => t.StartMilliseconds < 50), t => Assert.True(t.Transactions > 0 && t.Refused == 0));
        Assert.All(rows.Where(t => t.StartMilliseconds is >= 60 and < 500), t => Assert.True(t.Transactions == 0 && t.Refused > 0 && NoSocket(t) > 0 && NetfilterDrops(t) == 0));
        Assert.Equal(rows.Sum(t => t.Refused), rows.Sum(NoSocket)); // each refused connection is one SYN that found no socket on node 1
        Assert.True(rows.Single(t => t.StartMilliseconds == 500).Transactions > 0);
        Assert.All(rows.Where(t => t.StartMilliseconds >= 510), t => Assert.True(t.Transactions > 0 && t.Refused == 0));
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
