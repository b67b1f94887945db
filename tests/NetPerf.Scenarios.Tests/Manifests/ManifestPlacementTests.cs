using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Manifests;

/// <summary>The manifests' pods placed by the kube-scheduler model: spread, anti-affinity, requests and taints as kube-scheduler weighs them.</summary>
public sealed class ManifestPlacementTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-placement-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Scenario Load(string manifests, List<string>? warnings = null, int nodes = 3, string cluster = "")
    {
        File.WriteAllText(Path.Combine(_dir, "m.yaml"), manifests);
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $"name: s\ncluster: {{ nodes: {nodes}, coresPerNode: 4{cluster} }}\nmanifests: [m.yaml]\nworkloads:\n  - {{name: rr, test: TCP_RR, paths: [pod-cross-node]}}\n");
        return ScenarioReader.Load(path, warnings);
    }

    private static string Deployment(string name, int replicas) =>
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + "}\nspec:\n  replicas: " + replicas + "\n"
        + "  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: {app: " + name + "}}\n    spec:\n"
        + "      containers: [{name: c, image: x}]\n";

    private static int[] PerNode(Scenario s, string owner, int nodes = 3) =>
        [.. Enumerable.Range(1, nodes).Select(n => s.Objects.Pods.Count(p => p.Owner == owner && p.Node == n))];

    [Fact]
    public void Six_replicas_without_constraints_spread_two_a_node_by_the_default_topology_spread_not_first_fit()
    {
        var s = Load(Deployment("front", 6));
        Assert.Equal([2, 2, 2], PerNode(s, "deployment/front"));
    }

    [Fact]
    public void Six_replicas_without_constraints_on_three_zones_of_two_nodes_land_two_a_zone_and_one_a_node()
    {
        // kube-scheduler's PodTopologySpread default constraints (v1.34 pkg/scheduler/framework/plugins/podtopologyspread/plugin.go systemDefaultConstraints:
        // maxSkew 3 on kubernetes.io/hostname, maxSkew 5 on topology.kubernetes.io/zone, ScheduleAnyway) score
        // a node by its own and its zone's count of the Deployment's pods, so each replica goes to an empty node
        // of an emptiest zone; first fit would stack them. cluster.zones: 3 puts node N in zone-((N-1) mod 3 + 1).
        var s = Load(Deployment("front", 6), nodes: 6, cluster: ", zones: 3");

        Assert.Equal([1, 1, 1, 1, 1, 1], PerNode(s, "deployment/front", nodes: 6));
        var zones = s.Objects.Pods.Where(p => p.Owner == "deployment/front")
            .GroupBy(p => s.Objects.Nodes.Single(n => n.Number == p.Node).Labels["topology.kubernetes.io/zone"])
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["zone-1"] = 2, ["zone-2"] = 2, ["zone-3"] = 2 }, zones);
    }

    [Fact]
    public void Required_anti_affinity_on_hostname_puts_three_replicas_on_three_nodes_and_leaves_a_fourth_Pending_in_the_schedulers_words()
    {
        const string antiAffinity = """
                  affinity:
                    podAntiAffinity:
                      requiredDuringSchedulingIgnoredDuringExecution:
                      - labelSelector: {matchLabels: {app: db}}
                        topologyKey: kubernetes.io/hostname
            """;
        var warnings = new List<string>();
        var s = Load(Deployment("db", 4) + antiAffinity, warnings);

        Assert.Equal([1, 1, 1], PerNode(s, "deployment/db"));
        var pending = Assert.Single(warnings, w => w.Contains("stays Pending", StringComparison.Ordinal));
        Assert.Contains("pod \"db-3\" stays Pending: 0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", pending);

        // kubectl get pods lists a Pending pod with no IP and no node, and its FailedScheduling event says why.
        var variant = s.Variants()[0];
        string described = ClusterDescription.Describe(new ClusterBuild(s, variant, s.Seed), variant, s);
        Assert.Matches(@"\ndb-3\s+0/1\s+Pending\s+<none>\s+<none>\s+app=db", described);
        Assert.Contains("# db-3: FailedScheduling: 0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.", described, StringComparison.Ordinal);
    }

    [Fact]
    public void Requests_beyond_a_nodes_allocatable_cpu_leave_the_pod_Pending_with_Insufficient_cpu()
    {
        var warnings = new List<string>();
        var s = Load(Deployment("big", 1).Replace("[{name: c, image: x}]", "[{name: c, image: x, resources: {requests: {cpu: \"5\"}}}]", StringComparison.Ordinal), warnings);

        Assert.Empty(s.Objects.Pods);
        Assert.Contains(warnings, w => w.Contains("0/3 nodes are available: 3 Insufficient cpu.", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tainted_node_takes_only_the_pods_that_tolerate_its_taint()
    {
        const string node = "apiVersion: v1\nkind: Node\nmetadata: {name: node3}\nspec:\n  taints: [{key: dedicated, value: db, effect: NoSchedule}]\n---\n";
        var s = Load(node + Deployment("front", 4) + "---\n" + Deployment("db", 3) + "      tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}]\n");

        Assert.Equal(0, PerNode(s, "deployment/front")[2]);
        Assert.True(PerNode(s, "deployment/db")[2] > 0);
    }

    private static string Requesting(string name, string memory) =>
        Deployment(name, 1).Replace("[{name: c, image: x}]", "[{name: c, image: x, resources: {requests: {memory: " + memory + "}}}]", StringComparison.Ordinal);

    [Fact]
    public void A_memory_request_beyond_allocatable_stays_Pending_with_Insufficient_memory_and_allocatable_is_capacity_less_the_eviction_threshold()
    {
        // 4 cores at 4 GiB a core is a 16 GiB node; the kubelet's memory.available<100Mi hard eviction threshold
        // leaves 16Gi - 100Mi allocatable, so a pod asking for the whole 16Gi fits nowhere and 15Gi fits.
        var warnings = new List<string>();
        var s = Load(Requesting("whole", "16Gi") + "---\n" + Requesting("most", "15Gi"), warnings);

        Assert.Empty(s.Objects.PodsOf("deployment/whole", "default"));
        Assert.Single(s.Objects.PodsOf("deployment/most", "default"));
        var pending = Assert.Single(warnings, w => w.Contains("stays Pending", StringComparison.Ordinal));
        Assert.Contains("pod \"whole-0\" stays Pending: 0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", pending);

        // cluster.memoryGiBPerNode sizes the manifests' nodes as it does the scenario's own deployments'.
        Assert.Single(Load(Requesting("whole", "16Gi"), cluster: ", memoryGiBPerNode: 32").Objects.PodsOf("deployment/whole", "default"));
    }

    [Fact]
    public void Cluster_node_labels_and_taints_place_the_manifests_pods_as_they_place_the_scenarios_deployments()
    {
        // cluster.nodeLabels: {3: {disk: ssd}} is node3's label for a manifest's nodeSelector too, and
        // cluster.nodeTaints keeps the untolerating replicas off node2, as a Node manifest's taint would.
        const string pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: pg}\nspec:\n  nodeSelector: {disk: ssd}\n  containers: [{name: c, image: x}]\n---\n";
        var s = Load(pod + Deployment("front", 4), cluster: ", nodeLabels: {3: {disk: ssd}}, nodeTaints: {2: [\"dedicated=db:NoSchedule\"]}");

        Assert.Equal(3, Assert.Single(s.Objects.PodsOf("pod/pg", "default")).Node);
        Assert.Equal(0, PerNode(s, "deployment/front")[1]);
        Assert.Equal(4, PerNode(s, "deployment/front").Sum());
    }
}
