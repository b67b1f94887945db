using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>
/// Calico's default node-to-node BGP mesh grows as n(n-1)/2 sessions: warned about past the 100 nodes Calico tests
/// without route reflectors, refused past 1,000; the VXLAN pools run no BGP and are not concerned.
/// </summary>
public sealed class CalicoMeshTests
{
    private static (Model.Scenario? Scenario, List<string> Warnings, ScenarioException? Error) Parse(int nodes, string cni)
    {
        var warnings = new List<string>();
        try
        {
            var s = ScenarioReader.Parse($"""
                name: mesh
                cluster: {"{"} nodes: {nodes}, cni: {cni}, clusterCidr: 10.0.0.0/12 {"}"}
                workloads: [{"{"} name: w, test: TCP_RR, paths: [pod-cross-node] {"}"}]
                """, "mesh.yaml", warnings);
            return (s, warnings, null);
        }
        catch (ScenarioException e)
        {
            return (null, warnings, e);
        }
    }

    [Theory]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    [InlineData("calico-ipip-crosssubnet")]
    public void A_bgp_routed_pool_past_1000_nodes_is_refused_at_the_nodes_key_with_its_sessions_pointing_to_route_reflectors(string cni)
    {
        var (_, _, e) = Parse(3_840, cni);
        var error = Assert.Single(e!.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("3,840 x 3,839 / 2 = 7,370,880 BGP sessions", error.Message, StringComparison.Ordinal);
        Assert.Contains("route reflectors", error.Message, StringComparison.Ordinal);
        Assert.Contains("calico-vxlan", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Past_calicos_tested_100_nodes_the_mesh_is_a_warning_with_its_sessions()
    {
        var (s, warnings, e) = Parse(150, "calico-bgp");
        Assert.Null(e);
        Assert.NotNull(s);
        Assert.Contains(warnings, w => w.Contains("150 x 149 / 2 = 11,175 BGP sessions", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("calico-vxlan")]
    [InlineData("flannel-vxlan")]
    public void Pools_whose_routes_felix_or_flannel_programs_have_no_mesh_to_refuse(string cni)
    {
        var (s, warnings, e) = Parse(1_500, cni);
        Assert.Null(e);
        Assert.Equal(1_500, s!.Cluster.Nodes);
        Assert.DoesNotContain(warnings, w => w.Contains("BGP sessions", StringComparison.Ordinal));
    }
}
