using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>A scenario's deployments placed by kube-scheduler's model: what validation says and where the build puts them.</summary>
public class ScenarioPlacementTests
{
    private static (Model.Scenario Scenario, List<string> Warnings) Parse(string yaml)
    {
        var warnings = new List<string>();
        return (ScenarioReader.Parse(yaml, "placement.yaml", warnings), warnings);
    }

    [Fact]
    public void A_fourth_replica_kept_apart_by_hostname_on_three_nodes_is_pending_with_the_schedulers_message_at_its_line()
    {
        var (s, warnings) = Parse("""
            name: anti
            cluster: { nodes: 3 }
            deployments:
              - { name: db, replicas: 4, labels: { app: db }, antiAffinity: hostname }
            workloads: [{ name: rr, test: TCP_RR }]
            """);
        var warning = Assert.Single(warnings, w => w.Contains("Pending", StringComparison.Ordinal));
        Assert.Contains("placement.yaml:4:5", warning, StringComparison.Ordinal);
        Assert.EndsWith(
            "deployments[0] (db): 1 of its 4 pods stay Pending; db-3: 0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..",
            warning, StringComparison.Ordinal);

        var placed = ScenarioPlacement.Place(s);
        Assert.Equal([1, 2, 3], placed.Where(p => p.Placement.IsRunning).Select(p => p.Node).Order());

        string described = ClusterDescription.Describe(new ClusterBuild(s, s.Variants()[0], s.Seed), s.Variants()[0], s);
        Assert.Matches(@"db-3\s+0/1\s+Pending\s+<none>\s+<none>", described);
        Assert.Contains("# db-3: FailedScheduling: 0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.", described, StringComparison.Ordinal);
    }

    [Fact]
    public void Six_replicas_on_three_zones_of_two_nodes_are_built_one_per_node()
    {
        var (s, warnings) = Parse("""
            name: spread
            cluster: { nodes: 6, zones: 3 }
            deployments:
              - { name: front, replicas: 6, labels: { app: front } }
            workloads: [{ name: rr, test: TCP_RR }]
            """);
        Assert.DoesNotContain(warnings, w => w.Contains("Pending", StringComparison.Ordinal));
        var build = new ClusterBuild(s, s.Variants()[0], s.Seed);
        var nodes = build.Cluster.PodsWithLabel("app", "front").Select(p => p.Node.Index).Order();
        Assert.Equal(Enumerable.Range(1, 6), nodes);
    }

    [Fact]
    public void Requests_beyond_a_nodes_cpu_leave_the_replica_pending_with_insufficient_cpu()
    {
        var (_, warnings) = Parse("""
            name: big
            cluster: { nodes: 2, coresPerNode: 4 }
            deployments:
              - { name: batch, replicas: 3, labels: { app: batch }, requests: { cpu: 3, memory: 1Gi } }
            workloads: [{ name: rr, test: TCP_RR }]
            """);
        Assert.Contains(warnings, w => w.EndsWith(
            "batch-2: 0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod..",
            StringComparison.Ordinal));
    }

    [Fact]
    public void A_tainted_node_takes_only_the_replicas_that_tolerate_it()
    {
        var (s, _) = Parse("""
            name: taints
            cluster: { nodes: 3, nodeTaints: { 3: [dedicated=db:NoSchedule] }, nodeLabels: { 3: { disk: ssd } } }
            deployments:
              - { name: front, replicas: 4, labels: { app: front } }
              - { name: db, replicas: 2, labels: { app: db }, nodeSelector: { disk: ssd }, tolerations: ["dedicated=db:NoSchedule"] }
            workloads: [{ name: rr, test: TCP_RR }]
            """);
        var placed = ScenarioPlacement.Place(s);
        Assert.All(placed.Where(p => p.Deployment == 0), p => Assert.NotEqual(3, p.Node));
        Assert.All(placed.Where(p => p.Deployment == 1), p => Assert.Equal(3, p.Node));
    }

    [Fact]
    public void A_bad_taint_is_refused_at_its_line_with_the_effects_allowed()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("""
            name: bad
            cluster: { nodes: 3, nodeTaints: { 3: [dedicated=db:NoScheduled] } }
            workloads: [{ name: rr, test: TCP_RR }]
            """));
        var error = Assert.Single(e.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("allowed: NoSchedule, PreferNoSchedule, NoExecute", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nodes_still_bind_replicas_round_robin_and_the_same_seed_places_the_rest_the_same_way()
    {
        const string yaml = """
            name: pinned
            seed: 7
            cluster: { nodes: 4 }
            deployments:
              - { name: cache, replicas: 3, labels: { app: cache }, nodes: [1, 2] }
              - { name: api, replicas: 5, labels: { app: api } }
            workloads: [{ name: rr, test: TCP_RR }]
            """;
        var (s, _) = Parse(yaml);
        var placed = ScenarioPlacement.Place(s);
        Assert.Equal([1, 2, 1], placed.Where(p => p.Deployment == 0).Select(p => p.Node));
        Assert.Equal(placed.Select(p => p.Node), ScenarioPlacement.Place(Parse(yaml).Scenario).Select(p => p.Node));
    }
}
