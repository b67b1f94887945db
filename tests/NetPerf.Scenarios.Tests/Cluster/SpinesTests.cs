using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using NetPerf.Scenarios.Tracing;

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

    [Fact]
    public void Trace_names_the_spine_each_direction_of_a_cross_rack_flow_took_one_spine_per_flow()
    {
        // Node 1 is in rack 1 and node 2 in rack 2: each packet crosses its rack's ToR, the spine the ToR's ECMP hash
        // of the (outer) 5-tuple picked, and the other rack's ToR; a flow keeps its spine, so no reordering.
        var s = Parse("{ nodes: 4, racks: 2, spines: 4, cni: flannel-vxlan }");
        var trace = PathTrace.Run(s, s.Variants()[0], s.Workloads[0], CommunicationPath.PodCrossNode);

        Assert.NotEmpty(trace.Fabric);
        Assert.All(trace.Fabric, c => Assert.Equal(3, c.Boxes.Count));
        Assert.All(trace.Fabric, c => Assert.Matches("^spine[2-4]?/swp[12]$", c.Boxes[1]));
        Assert.Equal(["tor1", "tor2"], trace.Fabric.Select(c => c.Boxes[0].Split('/')[0]).Distinct().Order());
        foreach (var direction in trace.Fabric.GroupBy(c => c.Boxes[0].Split('/')[0]))
        {
            Assert.Single(direction.Select(c => c.Boxes[1].Split('/')[0]).Distinct());
        }

        // The fabric forwards in hardware: none of its boxes is a hop (a kernel stage with CPU).
        Assert.DoesNotContain(trace.Hops, h => h.Host.StartsWith("tor", StringComparison.Ordinal) || h.Host.StartsWith("spine", StringComparison.Ordinal));
        // describe shows the ToRs' ECMP routes, a next hop per spine.
        string described = ClusterDescription.Describe(new ClusterBuild(s, s.Variants()[0], s.Seed), s.Variants()[0], s);
        var tor1 = described.Split('\n').Single(l => l.StartsWith("tor1: ", StringComparison.Ordinal));
        Assert.Equal(4, tor1.Split(" via ").Length - 1); // ip route's multipath form: the first hop, then "nexthop via" for each other
    }

    [Fact]
    public void On_one_switch_a_trace_crosses_no_fabric()
    {
        var s = Parse("{ nodes: 2, cni: flannel-vxlan }");
        Assert.Empty(PathTrace.Run(s, s.Variants()[0], s.Workloads[0], CommunicationPath.PodCrossNode).Fabric);
    }
}
