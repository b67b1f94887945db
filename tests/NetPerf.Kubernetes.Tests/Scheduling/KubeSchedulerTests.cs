using NetPerf.Engine.Random;
using NetPerf.Kubernetes.Scheduling;

namespace NetPerf.Kubernetes.Tests.Scheduling;

/// <summary>
/// kube-scheduler v1.34's placements and its FailedScheduling messages, as a cluster would show them. The
/// expected messages are written as kube-scheduler prints them (FitError.Error() with the preemption's own
/// FitError appended as it is: one dot at the end since 1.30; older releases printed two).
/// </summary>
public class KubeSchedulerTests
{
    private const long GiB = 1024L * 1024 * 1024;

    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };

    private static SchedulingNode Node(string name, int cores = 4, string? zone = null, params Taint[] taints) =>
        SchedulingNode.Create(name, new NodeAllocatable(cores * 1000L, 16 * GiB, NodeAllocatable.PodsFor(cores)), zone, taints);

    private static KubeScheduler Scheduler(ulong seed, params SchedulingNode[] nodes) => new(nodes, new RngStream(seed));

    private static SchedulingPod Replica(int i) => new($"web-{i}")
    {
        Labels = Web,
        DefaultSpreadSelector = LabelSelector.Of(Web),
    };

    [Fact]
    public void Required_anti_affinity_on_hostname_spreads_three_replicas_over_three_nodes_and_leaves_a_fourth_pending()
    {
        var scheduler = Scheduler(1, Node("node1"), Node("node2"), Node("node3"));
        var anti = new PodAffinityTerm(LabelSelector.Of(Web), SchedulingNode.HostnameLabel);
        var placed = Enumerable.Range(0, 4).Select(i => scheduler.Schedule(Replica(i) with { RequiredPodAntiAffinity = [anti] })).ToList();

        Assert.Equal(["node1", "node2", "node3"], placed.Take(3).Select(p => p.Node!).Order());
        Assert.Equal(PlacementOutcome.Pending, placed[3].Outcome);
        Assert.Null(placed[3].Node);
        Assert.Equal(
            "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            placed[3].Message);
    }

    [Fact]
    public void Six_replicas_without_constraints_on_three_zones_of_two_nodes_land_two_per_zone_and_one_per_node_whatever_the_seed()
    {
        for (ulong seed = 0; seed < 50; seed++)
        {
            var nodes = Enumerable.Range(1, 6).Select(n => Node($"node{n}", zone: $"zone-{(n - 1) / 2}")).ToArray();
            var scheduler = Scheduler(seed, nodes);
            var placed = Enumerable.Range(0, 6).Select(i => scheduler.Schedule(Replica(i))).ToList();

            Assert.All(placed, p => Assert.True(p.IsRunning));
            Assert.Equal(6, placed.Select(p => p.Node).Distinct().Count());
            var zones = placed.GroupBy(p => nodes.Single(n => n.Name == p.Node).Labels[SchedulingNode.ZoneLabel]).Select(g => g.Count());
            Assert.All(zones, z => Assert.Equal(2, z));
        }
    }

    [Fact]
    public void The_default_spread_also_puts_the_second_replica_in_another_zone_not_on_the_first_ones_zone_partner()
    {
        var nodes = Enumerable.Range(1, 6).Select(n => Node($"node{n}", zone: $"zone-{(n - 1) / 2}")).ToArray();
        for (ulong seed = 0; seed < 20; seed++)
        {
            var scheduler = Scheduler(seed, nodes);
            var first = scheduler.Schedule(Replica(0));
            var second = scheduler.Schedule(Replica(1));
            string Zone(PodPlacement p) => nodes.Single(n => n.Name == p.Node).Labels[SchedulingNode.ZoneLabel];
            Assert.NotEqual(Zone(first), Zone(second));
        }
    }

    [Fact]
    public void Requests_beyond_what_is_left_give_insufficient_cpu_and_preemption_finds_no_victims()
    {
        var scheduler = Scheduler(1, Node("node1"), Node("node2"), Node("node3"));
        var big = new SchedulingPod("big") { Containers = [new ContainerRequests(3000, null)] };
        for (int i = 0; i < 3; i++)
        {
            Assert.True(scheduler.Schedule(big with { Name = $"big-{i}" }).IsRunning);
        }

        var fourth = scheduler.Schedule(big with { Name = "big-3" });
        Assert.Equal(
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
            fourth.Message);
    }

    [Fact]
    public void A_request_larger_than_a_whole_node_is_unresolvable_so_preemption_is_not_helpful()
    {
        var scheduler = Scheduler(1, Node("node1"), Node("node2"), Node("node3"));
        var pod = scheduler.Schedule(new SchedulingPod("huge") { Containers = [new ContainerRequests(6000, 32 * GiB)] });
        Assert.Equal(
            "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            pod.Message);
    }

    [Fact]
    public void Mixed_refusals_are_counted_per_reason_and_preemption_is_tried_only_where_the_refusal_was_resolvable()
    {
        var ssd = new Dictionary<string, string> { ["disk"] = "ssd" };
        var scheduler = Scheduler(1, SchedulingNode.Create("node1", new NodeAllocatable(4000, 16 * GiB, 40), labels: ssd), Node("node2"), Node("node3"));
        _ = scheduler.Bind(new SchedulingPod("busy") { Containers = [new ContainerRequests(3000, null)] }, "node1");
        var pod = scheduler.Schedule(new SchedulingPod("db") { NodeSelector = ssd, Containers = [new ContainerRequests(1500, null), new ContainerRequests(1000, null)] });
        Assert.Equal(
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
            pod.Message);
    }

    [Fact]
    public void Reasons_are_sorted_as_strings_with_their_counts_so_ten_comes_before_two()
    {
        var nodes = Enumerable.Range(1, 10).Select(n => Node($"node{n}", cores: 1))
            .Concat([Node("db1", taints: new Taint("dedicated", "db", TaintEffect.NoSchedule)), Node("db2", taints: new Taint("dedicated", "db", TaintEffect.NoExecute))])
            .ToArray();
        var pod = Scheduler(1, nodes).Schedule(new SchedulingPod("api") { Containers = [new ContainerRequests(1500, null)] });
        Assert.Equal(
            "0/12 nodes are available: 10 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: db}. preemption: 0/12 nodes are available: 12 Preemption is not helpful for scheduling.",
            pod.Message);
    }

    [Fact]
    public void A_count_sorts_before_its_reason_so_one_taint_comes_before_two_insufficient_cpu()
    {
        var nodes = new[] { Node("node1", cores: 1), Node("node2", cores: 1), Node("db1", taints: new Taint("dedicated", "db", TaintEffect.NoSchedule)) };
        var scheduler = Scheduler(1, nodes);
        _ = scheduler.Schedule(new SchedulingPod("a") { Containers = [new ContainerRequests(800, null)] });
        _ = scheduler.Schedule(new SchedulingPod("b") { Containers = [new ContainerRequests(800, null)] });
        var pod = scheduler.Schedule(new SchedulingPod("c") { Containers = [new ContainerRequests(800, null)] });
        Assert.Equal(
            "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
            pod.Message);
    }

    [Fact]
    public void A_toleration_lets_a_pod_onto_a_tainted_node_and_prefer_no_schedule_only_steers_it_away()
    {
        var taint = new Taint("dedicated", "db", TaintEffect.NoSchedule);
        var scheduler = Scheduler(1, Node("db1", taints: taint));
        Assert.False(scheduler.Schedule(new SchedulingPod("web")).IsRunning);
        Assert.True(scheduler.Schedule(new SchedulingPod("db") { Tolerations = [new Toleration("dedicated", TolerationOperator.Equal, "db", TaintEffect.NoSchedule)] }).IsRunning);

        for (ulong seed = 0; seed < 20; seed++)
        {
            var soft = Scheduler(seed, Node("node1", taints: new Taint("spot", "", TaintEffect.PreferNoSchedule)), Node("node2"));
            Assert.Equal("node2", soft.Schedule(new SchedulingPod("web")).Node);
        }
    }

    [Fact]
    public void Pods_per_node_are_ten_per_core_up_to_the_kubelets_110_and_the_next_pod_is_too_many()
    {
        Assert.Equal(20, NodeAllocatable.PodsFor(2));
        Assert.Equal(110, NodeAllocatable.PodsFor(16));
        Assert.Equal(110, NodeAllocatable.PodsFor(2, podsPerCore: 0));

        var scheduler = Scheduler(1, Node("node1", cores: 2));
        for (int i = 0; i < 20; i++)
        {
            Assert.True(scheduler.Schedule(new SchedulingPod($"p-{i}")).IsRunning);
        }

        Assert.Equal(
            "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
            scheduler.Schedule(new SchedulingPod("p-20")).Message);
    }

    [Fact]
    public void Required_pod_affinity_puts_a_pod_beside_the_pod_it_names_and_refuses_without_it()
    {
        var cache = new Dictionary<string, string> { ["app"] = "cache" };
        var near = new PodAffinityTerm(LabelSelector.Of(cache), SchedulingNode.HostnameLabel);
        var scheduler = Scheduler(3, Node("node1"), Node("node2"), Node("node3"));
        var lonely = scheduler.Schedule(new SchedulingPod("api-0") { RequiredPodAffinity = [near] });
        Assert.Equal(
            "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            lonely.Message);

        var c = scheduler.Schedule(new SchedulingPod("cache-0") { Labels = cache });
        Assert.Equal(c.Node, scheduler.Schedule(new SchedulingPod("api-1") { RequiredPodAffinity = [near] }).Node);
    }

    [Fact]
    public void Do_not_schedule_spread_on_zones_sends_the_pod_to_the_emptier_zone()
    {
        var scheduler = Scheduler(1, Node("a1", zone: "a"), Node("b1", zone: "b"));
        var spread = new TopologySpreadConstraint(1, SchedulingNode.ZoneLabel, DoNotSchedule: true, LabelSelector.Of(Web));
        _ = scheduler.Bind(new SchedulingPod("web-0") { Labels = Web }, "a1");
        Assert.Equal("b1", scheduler.Schedule(new SchedulingPod("web-1") { Labels = Web, TopologySpreadConstraints = [spread] }).Node);
    }

    [Fact]
    public void A_tainted_zone_still_counts_as_a_spread_domain_so_the_pod_is_refused_everywhere()
    {
        // nodeTaintsPolicy defaults to Ignore: zone b's tainted node keeps b's count of 0 as the minimum.
        var scheduler = Scheduler(1, Node("a1", zone: "a"), Node("b1", zone: "b", taints: new Taint("maintenance", "true", TaintEffect.NoSchedule)));
        var spread = new TopologySpreadConstraint(1, SchedulingNode.ZoneLabel, DoNotSchedule: true, LabelSelector.Of(Web));
        _ = scheduler.Bind(new SchedulingPod("web-0") { Labels = Web }, "a1");
        var pod = scheduler.Schedule(new SchedulingPod("web-1") { Labels = Web, TopologySpreadConstraints = [spread] });
        Assert.Equal(
            "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) had untolerated taint {maintenance: true}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
            pod.Message);
    }

    [Fact]
    public void Preferred_node_affinity_wins_over_an_emptier_node()
    {
        var fast = new Dictionary<string, string> { ["nic"] = "100g" };
        var prefer = new WeightedNodeSelectorTerm(100, new NodeSelectorTerm([new LabelRequirement("nic", SelectorOperator.In, "100g")]));
        for (ulong seed = 0; seed < 10; seed++)
        {
            var scheduler = Scheduler(seed, SchedulingNode.Create("fast", new NodeAllocatable(4000, 16 * GiB, 40), labels: fast), Node("slow"));
            _ = scheduler.Bind(new SchedulingPod("busy") { Containers = [new ContainerRequests(2000, 4 * GiB)] }, "fast");
            Assert.Equal("fast", scheduler.Schedule(new SchedulingPod("web") { PreferredNodeAffinity = [prefer] }).Node);
        }
    }

    [Fact]
    public void The_same_seed_places_every_pod_on_the_same_node_and_other_seeds_break_ties_otherwise()
    {
        string Run(ulong seed)
        {
            var scheduler = Scheduler(seed, Enumerable.Range(1, 5).Select(n => Node($"node{n}")).ToArray());
            return string.Join(",", Enumerable.Range(0, 5).Select(i => scheduler.Schedule(new SchedulingPod($"solo-{i}") { Labels = new Dictionary<string, string> { ["app"] = $"a{i}" } }).Node));
        }

        Assert.Equal(Run(42), Run(42));
        Assert.True(Enumerable.Range(0, 20).Select(s => Run((ulong)s)).Distinct().Count() > 1);
    }
}
