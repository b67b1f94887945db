using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>A timeline is checked like the rest of a file: every bad entry refused at its line, with what is allowed.</summary>
public class TimelineValidationTests
{
    private const string Base = """
        duration: 100ms
        deployments: [{name: shop, replicas: 2, labels: {app: shop}}]
        services: [{name: shop, selector: {app: shop}, port: 80, targetPort: 8080}]
        workloads: [{name: crr, test: TCP_CRR, service: shop, paths: [cluster-ip]}]

        """;

    private static ScenarioError Only(string timeline)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base + timeline, "t.yaml"));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void Entries_are_read_in_time_order_with_their_actions()
    {
        var s = ScenarioReader.Parse(Base + """
            timeline:
              - {at: 60ms, action: scale, deployment: shop, replicas: 3}
              - {at: 20ms, action: roll, deployment: shop}
              - {at: 40ms, action: deletePod, pod: shop-1}
            """, "t.yaml");

        Assert.Equal([TimelineAction.Roll, TimelineAction.DeletePod, TimelineAction.Scale], s.Timeline.Select(e => e.Action));
        Assert.Equal("scale shop to 3", s.Timeline[2].Label);
        Assert.Equal(3, s.Timeline[2].Replicas);
    }

    [Fact]
    public void A_time_past_the_duration_is_refused_at_its_line()
    {
        var error = Only("timeline:\n  - {at: 100ms, action: roll, deployment: shop}\n");
        Assert.Equal(6, error.Line); // the entry's line: four of Base, then "timeline:"
        Assert.StartsWith("timeline[0].at: '100ms' is past the measured window (duration 100ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deployment_that_does_not_exist_is_refused_with_the_closest_name()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: roll, deployment: shp}\n");
        Assert.Equal(6, error.Line); // the entry's line: four of Base, then "timeline:"
        Assert.Equal("timeline[0].deployment: no deployment named 'shp' (did you mean 'shop'?); allowed: shop", error.Message);
    }

    [Fact]
    public void An_unknown_action_is_refused_with_the_closest_and_the_allowed_ones()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: rol, deployment: shop}\n");
        Assert.Equal("timeline[0].action: 'rol' is not allowed (did you mean 'roll'?); allowed: roll, scale, deletePod, drainNode, uncordonNode, failNode, addNetworkPolicy, removeNetworkPolicy, addService, removeService, setExternalTrafficPolicy, startWorkload, stopWorkload", error.Message);
    }

    [Fact]
    public void A_pod_that_no_deployment_starts_with_is_refused()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: deletePod, pod: shop-7}\n");
        Assert.StartsWith("timeline[0].pod: no pod named 'shop-7' among the deployments' first pods", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("allowed: shop-0, shop-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scale_needs_its_replicas_and_roll_takes_none()
    {
        Assert.Equal("timeline[0].replicas: required, missing", Only("timeline:\n  - {at: 10ms, action: scale, deployment: shop}\n").Message);
        Assert.StartsWith("timeline[0].replicas: not used by roll", Only("timeline:\n  - {at: 10ms, action: roll, deployment: shop, replicas: 3}\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_served_workload_must_name_a_ClusterIP_Service_over_cluster_ip()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base.Replace("service: shop, paths: [cluster-ip]", "service: shops, paths: [pod-cross-node]"), "t.yaml"));
        Assert.Contains(e.Errors, x => x.Message == "workloads[0].service: 'shops' is not one of the scenario's ClusterIP Services (count 1) (did you mean 'shop'?); allowed: shop");
        Assert.Contains(e.Errors, x => x.Message == "workloads[0].paths: a workload with a service goes to its ClusterIP; allowed: [cluster-ip]");
    }

    [Theory]
    [InlineData("type: NodePort, ", "'shop' is a NodePort Service; a workload's service is a ClusterIP Service")]
    [InlineData("count: 3, ", "'shop' is stamped 3 times (count: 3); a workload's service is one ClusterIP Service")]
    public void A_served_workload_naming_a_scenario_Service_of_another_kind_is_told_what_that_Service_is(string kind, string expected)
    {
        // A user who wrote the NodePort under services is told what it is, not to add it again.
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base.Replace("services: [{name: shop, ", "services: [{name: shop, " + kind), "t.yaml"));
        var error = Assert.Single(e.Errors, x => x.Message.StartsWith("workloads[0].service: ", StringComparison.Ordinal));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("allowed: none: add a ClusterIP Service (count 1) under services", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DrainNode_takes_a_node_of_the_cluster_and_nothing_else()
    {
        var s = ScenarioReader.Parse(Base + "cluster: {nodes: 3}\ntimeline:\n  - {at: 10ms, action: drainNode, node: 2}\n", "t.yaml");
        Assert.Equal((TimelineAction.DrainNode, 2, "drainNode node2"), (s.Timeline[0].Action, s.Timeline[0].Node, s.Timeline[0].Label));

        var past = Only("cluster: {nodes: 3}\ntimeline:\n  - {at: 10ms, action: drainNode, node: 4}\n");
        Assert.Equal((7, 41), (past.Line, past.Column));
        Assert.Equal("timeline[0].node: the cluster has no node 4; allowed: 1 to 3", past.Message);
        Assert.Equal("timeline[0].node: required, missing", Only("timeline:\n  - {at: 10ms, action: drainNode}\n").Message);
        Assert.StartsWith("timeline[0].deployment: not used by drainNode; drainNode takes node", Only("timeline:\n  - {at: 10ms, action: drainNode, node: 1, deployment: shop}\n").Message, StringComparison.Ordinal);
        Assert.StartsWith("timeline[0].node: not used by roll", Only("timeline:\n  - {at: 10ms, action: roll, deployment: shop, node: 1}\n").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Draining_the_last_schedulable_node_of_a_deployment_is_allowed_with_a_warning_that_its_replacements_stay_Pending()
    {
        var text = Base.Replace("labels: {app: shop}", "labels: {app: shop}, nodes: [1, 2]") + "cluster: {nodes: 3}\ntimeline:\n  - {at: 10ms, action: drainNode, node: 2}\n  - {at: 20ms, action: drainNode, node: 1}\n";
        var warnings = new List<string>();
        ScenarioReader.Parse(text, "t.yaml", warnings);
        var pending = Assert.Single(warnings, w => w.Contains("Pending", StringComparison.Ordinal));
        // The second drain (line 8): after it neither of shop's nodes takes pods.
        Assert.StartsWith("t.yaml:8:41: warning: timeline[1].node: draining node 1 leaves deployment 'shop' no schedulable node (its nodes: 1, 2; cordoned by then: 1, 2)", pending, StringComparison.Ordinal);

        // Uncordoned in between: node 2 takes pods again, nothing to say.
        warnings.Clear();
        ScenarioReader.Parse(text.Replace("  - {at: 20ms", "  - {at: 15ms, action: uncordonNode, node: 2}\n  - {at: 20ms", StringComparison.Ordinal), "t.yaml", warnings);
        Assert.DoesNotContain(warnings, w => w.Contains("Pending", StringComparison.Ordinal));
    }

    [Fact]
    public void A_node_failed_for_longer_than_the_grace_period_counts_as_unschedulable_for_a_drain()
    {
        // node 1 fails at 10 ms; with a 100 ms grace it is tainted unreachable at 110 ms: a drain of node 2 at 200 ms
        // leaves shop nothing, one at 50 ms does not (the scheduler still sees node 1 Ready).
        string Text(string drainAt) => Base.Replace("labels: {app: shop}", "labels: {app: shop}, nodes: [2, 3]").Replace("duration: 100ms", "duration: 300ms", StringComparison.Ordinal)
            + $"cluster: {{nodes: 3, nodeMonitorGracePeriod: 100ms}}\ntimeline:\n  - {{at: 10ms, action: failNode, node: 3}}\n  - {{at: {drainAt}, action: drainNode, node: 2}}\n";
        var warnings = new List<string>();
        ScenarioReader.Parse(Text("200ms"), "t.yaml", warnings);
        Assert.Contains(warnings, w => w.Contains("timeline[1].node: draining node 2 leaves deployment 'shop' no schedulable node (its nodes: 2, 3; cordoned by then: 2; failed and unreachable by then: 3)", StringComparison.Ordinal));
        warnings.Clear();
        ScenarioReader.Parse(Text("50ms"), "t.yaml", warnings);
        Assert.DoesNotContain(warnings, w => w.Contains("Pending", StringComparison.Ordinal));
    }

    [Fact]
    public void UncordonNode_takes_a_node_of_the_cluster()
    {
        var s = ScenarioReader.Parse(Base + "cluster: {nodes: 3}\ntimeline:\n  - {at: 10ms, action: uncordonNode, node: 2}\n", "t.yaml");
        Assert.Equal((TimelineAction.UncordonNode, 2, "uncordonNode node2"), (s.Timeline[0].Action, s.Timeline[0].Node, s.Timeline[0].Label));
        Assert.Equal("timeline[0].node: the cluster has no node 4; allowed: 1 to 3", Only("cluster: {nodes: 3}\ntimeline:\n  - {at: 10ms, action: uncordonNode, node: 4}\n").Message);
    }

    [Fact]
    public void FailNode_takes_a_node_other_than_the_clients_and_the_control_planes_delays_are_kubernetes_defaults()
    {
        var s = ScenarioReader.Parse(Base + "cluster: {nodes: 3}\ntimeline:\n  - {at: 10ms, action: failNode, node: 3}\n", "t.yaml");
        Assert.Equal((TimelineAction.FailNode, 3, "failNode node3"), (s.Timeline[0].Action, s.Timeline[0].Node, s.Timeline[0].Label));
        Assert.Equal(Engine.Time.SimTime.FromSeconds(50), s.Cluster.NodeMonitorGracePeriod); // --node-monitor-grace-period
        Assert.Equal(Engine.Time.SimTime.FromSeconds(300), s.Cluster.DefaultUnreachableTolerationSeconds); // --default-unreachable-toleration-seconds

        var clients = Only("cluster: {nodes: 3}\ntimeline:\n  - {at: 10ms, action: failNode, node: 1}\n");
        Assert.Equal((7, 40), (clients.Line, clients.Column));
        Assert.Equal("timeline[0].node: node 1 runs the workloads' clients, which would fail with it; allowed: 2 to 3", clients.Message);
        Assert.Equal("timeline[0].node: the cluster has no node 5; allowed: 1 to 3", Only("cluster: {nodes: 3}\ntimeline:\n  - {at: 10ms, action: failNode, node: 5}\n").Message);

        // Shorter than the kubelet's 10 s lease renewal a real controller would mark healthy nodes Unknown: allowed (it
        // shortens a run), with a warning at the key.
        var warnings = new List<string>();
        ScenarioReader.Parse(Base + "cluster: {nodes: 3, nodeMonitorGracePeriod: 200ms}\n", "t.yaml", warnings);
        var shortGrace = Assert.Single(warnings, w => w.Contains("nodeMonitorGracePeriod", StringComparison.Ordinal));
        Assert.StartsWith("t.yaml:5:45: warning: cluster.nodeMonitorGracePeriod 200 ms is shorter than the kubelet's 10 s lease renewal", shortGrace, StringComparison.Ordinal);
        warnings.Clear();
        ScenarioReader.Parse(Base + "cluster: {nodes: 3, nodeMonitorGracePeriod: 40s}\n", "t.yaml", warnings);
        Assert.DoesNotContain(warnings, w => w.Contains("nodeMonitorGracePeriod", StringComparison.Ordinal));

        var grace = Only("cluster: {nodeMonitorGracePeriod: 0s}\n");
        Assert.Equal((5, 35), (grace.Line, grace.Column));
        Assert.StartsWith("cluster.nodeMonitorGracePeriod: 0s is out", grace.Message, StringComparison.Ordinal);
        var toleration = Only("cluster: {defaultUnreachableTolerationSeconds: -1}\n");
        Assert.Equal((5, 48), (toleration.Line, toleration.Column));
        Assert.StartsWith("cluster.defaultUnreachableTolerationSeconds:", toleration.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rolling_update_bounds_take_counts_or_percentages_and_not_both_zero()
    {
        var s = ScenarioReader.Parse(Base.Replace("labels: {app: shop}", "labels: {app: shop}, replicas: 10, maxSurge: 25%, maxUnavailable: 25%").Replace("replicas: 2, ", ""), "t.yaml");
        Assert.Equal(new Kubernetes.Controllers.RollingUpdate(3, 2), s.Deployments[0].Strategy); // 2.5 up, 2.5 down

        var error = Assert.Single(Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base.Replace("labels: {app: shop}", "labels: {app: shop}, maxSurge: 0, maxUnavailable: 0%"), "t.yaml")).Errors);
        Assert.StartsWith("deployments[0]: maxSurge and maxUnavailable are both 0", error.Message, StringComparison.Ordinal);
    }
}
