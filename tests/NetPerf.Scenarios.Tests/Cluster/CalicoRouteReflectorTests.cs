using NetPerf.Scenarios.Estimation;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>
/// cluster.calico.routeReflectors: Calico's mesh turned off for route reflectors, so a BGP-routed cluster of
/// Kubernetes' 5,000 nodes holds thousands of sessions instead of 12.5 M, and is accepted.
/// </summary>
public sealed class CalicoRouteReflectorTests
{
    private const string Big = "nodes: 5000, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/11";

    private static Model.Scenario Parse(string cluster, string extra = "", List<string>? warnings = null) => ScenarioReader.Parse($"""
        name: rr
        cluster: {cluster}
        workloads: [{"{"} name: w, test: TCP_RR, paths: [pod-cross-node] {"}"}]
        {extra}
        """, "rr.yaml", warnings, maxMemory: 64L << 30);

    [Fact]
    public void Five_thousand_calico_bgp_nodes_in_a_mesh_are_refused_with_12_5_M_sessions_and_the_reflected_count()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse($"{{ {Big}, cni: calico-bgp }}"));
        var error = Assert.Single(e.Errors);
        Assert.Contains("5,000 x 4,999 / 2 = 12.5 M BGP sessions", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster.calico.routeReflectors: 2 makes it 9,997 sessions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_two_route_reflectors_the_same_cluster_is_accepted_and_estimated_at_9997_sessions()
    {
        var warnings = new List<string>();
        var s = Parse($"{{ {Big}, cni: calico-bgp, calico: {{ routeReflectors: 2 }} }}", warnings: warnings);
        Assert.DoesNotContain(warnings, w => w.Contains("BGP sessions", StringComparison.Ordinal));
        var estimate = ScaleEstimate.Of(s, s.Variants()[0]);
        Assert.Equal(9_997, estimate.BgpSessions);
    }

    [Fact]
    public void A_pool_without_bgp_has_no_sessions_to_estimate_and_no_reflectors_to_configure()
    {
        var s = Parse($"{{ {Big}, cni: calico-vxlan }}");
        Assert.Equal(0, ScaleEstimate.Of(s, s.Variants()[0]).BgpSessions);
        var e = Assert.Throws<ScenarioException>(() => Parse($"{{ {Big}, cni: calico-vxlan, calico: {{ routeReflectors: 2 }} }}"));
        Assert.StartsWith("cluster.calico.routeReflectors: no variant runs BIRD (calico-vxlan)", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void As_many_reflectors_as_nodes_leave_no_client_and_are_refused_at_the_key()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 3, cni: calico-bgp, calico: { routeReflectors: 3 } }"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("3 reflectors among 3 nodes leaves no client; allowed: 1 to 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bgp_experiments_take_the_clusters_reflectors_and_a_different_count_of_their_own_is_refused()
    {
        // One cluster's Calico has one number of route reflectors: bgp.reflectors follows it, says the same, or is refused.
        Assert.Equal(3, Parse("{ nodes: 10, cni: calico-bgp, calico: { routeReflectors: 3 } }", "bgp: { nodes: [20], topology: [route-reflectors] }").Bgp!.Reflectors);
        Assert.Equal(3, Parse("{ nodes: 10, cni: calico-bgp, calico: { routeReflectors: 3 } }", "bgp: { nodes: [20], topology: [route-reflectors], reflectors: 3 }").Bgp!.Reflectors);
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 10, cni: calico-bgp, calico: { routeReflectors: 3 } }", "bgp: { nodes: [20], topology: [route-reflectors], reflectors: 1 }"));
        Assert.StartsWith("bgp.reflectors: '1', and cluster.calico.routeReflectors says 3", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
        // Without cluster.calico.routeReflectors the experiments name their own.
        Assert.Equal(1, Parse("{ nodes: 10, cni: calico-bgp }", "bgp: { nodes: [20], topology: [route-reflectors], reflectors: 1 }").Bgp!.Reflectors);
    }
}
