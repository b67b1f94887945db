using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A manifest's NodePort Service created and deleted under load: an external client's TCP_CRR (4 clients) dials
/// node 1's NodePort (placement across; the one web pod is on node 2). Until kube-proxy's sync programs the
/// Service nothing matches the port (no KUBE-NODEPORTS rule, no service-nodeports element, no IPVS virtual
/// service), so each SYN reaches node 1's own TCP, which has no socket there and resets it: refused, and the client
/// connects again at once. The sync the addService asks for starts at once (the token bucket is full) and its
/// rules are in once its lines are written (18.35 us a line); from then node 1 forwards every connection. The
/// removeService's sync takes the rules out, and new connections are refused again.
/// </summary>
public sealed class NodePortServiceTimelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-nodeport-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Manifests(string policy) => $$$"""
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
        spec: {type: NodePort, externalTrafficPolicy: {{{policy}}}, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30100}]}
        """;

    private ResultSet Run(string timeline, string kubeProxy, string duration = "700ms", int threads = 1, string policy = "Cluster", string placement = "across") =>
        ResultSetBuilder.Build(ScenarioRunner.Run(Load(timeline, kubeProxy, duration, policy, placement), new RunOptions { Parallelism = threads }));

    private Model.Scenario Load(string timeline, string kubeProxy, string duration = "700ms", string policy = "Cluster", string placement = "across")
    {
        File.WriteAllText(Path.Combine(_dir, "m.yaml"), Manifests(policy));
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $$"""
            name: nodeport
            seed: 1
            duration: {{duration}}
            warmup: 10ms
            interval: 10ms
            cluster: { nodes: 3, coresPerNode: 4, cni: calico-bgp, kubeProxy: {{kubeProxy}} }
            manifests: [m.yaml]
            workloads:
              - { name: w, test: TCP_CRR, clients: 4, from: external, to: service/shop, placement: {{placement}} }
            timeline:
            {{timeline}}
            """);
        return ScenarioReader.Load(path);
    }

    private const string AddThenRemove = """
          - { at: 50ms, action: addService, service: shop }
          - { at: 500ms, action: removeService, service: default/shop }
        """;

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void Refused_until_the_sync_that_programs_it_served_from_then_and_refused_again_after_the_sync_that_takes_it_out(string kubeProxy)
    {
        var r = Run(AddThenRemove, kubeProxy);
        Assert.Equal(["addService", "kube-proxy sync started", "kube-proxy rules programmed", "removeService", "kube-proxy sync started", "kube-proxy rules programmed"],
            r.Timeline.Select(e => e.Event));
        Assert.Equal("default/shop", r.Timeline[1].Object);
        // The sync starts at the entry (a full bucket) and ends after its lines (a few hundred us).
        Assert.Equal(50, r.Timeline[1].AtMilliseconds);
        Assert.InRange(r.Timeline[2].AtMilliseconds, 50.05, 50.999);
        Assert.Equal(500, r.Timeline[4].AtMilliseconds);
        Assert.InRange(r.Timeline[5].AtMilliseconds, 500.01, 500.999);

        var rows = r.Timeseries;
        Assert.All(rows.Where(t => t.StartMilliseconds < 50), t => Assert.True(t.Transactions == 0 && t.Refused > 0)); // RST from node 1's TCP
        var added = rows.Single(t => t.StartMilliseconds == 50);
        Assert.True(added.Refused > 0 && added.Transactions > 0); // refused until the rules are in, then served
        Assert.All(rows.Where(t => t.StartMilliseconds is >= 60 and < 500), t => Assert.True(t.Transactions > 0 && t.Refused == 0 && t.Drops.Sum(x => x.Count) == 0));
        var removed = rows.Single(t => t.StartMilliseconds == 500);
        Assert.True(removed.Transactions > 0 && removed.Refused > 0);
        Assert.All(rows.Where(t => t.StartMilliseconds >= 510), t => Assert.True(t.Transactions == 0 && t.Refused > 0));
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void With_Local_the_node_with_the_endpoint_serves_between_the_two_syncs_only(string kubeProxy)
    {
        // Placement local: the client dials node 2, which holds the endpoint (across is refused for a Local
        // Service: nothing would answer; node 1's drop is ServiceAddRemoveTests' in NetPerf.Kubernetes.Tests).
        var r = Run(AddThenRemove, kubeProxy, policy: "Local", placement: "local");
        var rows = r.Timeseries;
        Assert.All(rows.Where(t => t.StartMilliseconds < 50), t => Assert.True(t.Transactions == 0 && t.Refused > 0));
        Assert.All(rows.Where(t => t.StartMilliseconds is >= 60 and < 500), t => Assert.True(t.Transactions > 0 && t.Refused == 0 && t.Drops.Sum(x => x.Count) == 0));
        Assert.All(rows.Where(t => t.StartMilliseconds >= 510), t => Assert.True(t.Transactions == 0 && t.Refused > 0));
    }

    [Fact]
    public void A_manifests_headless_Service_is_refused_at_its_name_and_a_workload_resolving_an_added_name_must_start_after_it()
    {
        File.WriteAllText(Path.Combine(_dir, "m.yaml"), Manifests("Cluster") + """

            ---
            apiVersion: v1
            kind: Service
            metadata: {name: near}
            spec: {internalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
            """);
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, """
            duration: 100ms
            cluster: { nodes: 3, cni: calico-bgp, kubeProxy: nftables }
            manifests: [m.yaml]
            workloads:
              - { name: w, test: TCP_CRR, from: node/1, to: service/shop }
            timeline:
              - { at: 50ms, action: addService, service: db }
              - { at: 60ms, action: addService, service: shop }
              - { at: 70ms, action: addService, service: near }
            """);
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Load(path));
        Assert.Equal([
            (7, 46, "timeline[0].service: 'db' is a headless Service (no rules: CoreDNS answers with its endpoints), whose addition while the run goes on is not modelled; allowed: default/shop, default/near"),
            (8, 46, "timeline[1].service: workload 'w' is served by 'default/shop', which does not exist before 60ms (no DNS record, no rules), and runs from the start; allowed: a startWorkload of 'w' at 60ms or later"),
        ], e.Errors.Select(x => (x.Line, x.Column, x.Message))); // near, of internalTrafficPolicy Local, is added as any other
    }

    [Fact]
    public void The_same_seed_gives_the_same_bytes_on_one_thread_or_two()
    {
        const string timeline = "  - { at: 50ms, action: addService, service: shop }\n  - { at: 120ms, action: removeService, service: shop }";
        Assert.Equal(ResultCsv.TimeseriesAndTimeline(Run(timeline, "iptables", "200ms", threads: 1)), ResultCsv.TimeseriesAndTimeline(Run(timeline, "iptables", "200ms", threads: 2)));
    }
}
