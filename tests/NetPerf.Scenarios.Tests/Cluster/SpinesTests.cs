using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>cluster.spines: a leaf-spine fabric under racks, refused where there is no rack to join.</summary>
public sealed class SpinesTests
{
    private static Model.Scenario Parse(string cluster) => ScenarioReader.Parse($"""
        name: spines
        cluster: {cluster}
        workloads: [{"{"} name: w, test: TCP_RR, paths: [pod-cross-node] {"}"}]
        """, "spines.yaml");

    [Fact]
    public void Spines_without_racks_are_refused_at_the_key()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 4, spines: 2 }"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(2, error.Line);
        Assert.StartsWith("cluster.spines: 2 spines join racks' top-of-rack routers, and the cluster is one switch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void At_most_eight_spines_fit_the_fabrics_link_addresses()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 4, racks: 2, spines: 9 }"));
        Assert.Contains("cluster.spines", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scenario_on_two_racks_and_four_spines_builds_them_and_its_cross_rack_transactions_complete()
    {
        var s = Parse("{ nodes: 4, racks: 2, spines: 4, cni: flannel-vxlan }");
        var build = new ClusterBuild(s, s.Variants()[0], 1);
        Assert.Equal(4, build.Cluster.Fabric!.Spines.Count);
        var outcome = ScenarioRunner.Run(s, new RunOptions { Quick = true, Parallelism = 1 });
        Assert.True(outcome.Results.Single().Report.Transactions > 0);
    }
}
