using NetPerf.Reporting;

namespace NetPerf.Scenarios.Tests;

/// <summary>
/// The verdict the report and the console open with, on the headline's CSV: largest differences first, each
/// explained by the kernel stages whose cost differs between the costliest and the cheapest plugin.
/// </summary>
public class HeadlineVerdictTests(HeadlineRun run) : IClassFixture<HeadlineRun>
{
    private ResultSet Results => new() { Scenario = run.Scenario.Name, Baseline = "calico-bgp", Summary = run.Summary, Cpu = run.Cpu, Cdfs = [] };

    [Fact]
    public void The_verdict_opens_on_a_cross_node_path_where_VXLAN_costs_most_and_ends_on_localhost_where_nothing_differs()
    {
        IReadOnlyList<PathVerdict> verdicts = Verdict.Of(Results);

        PathVerdict first = verdicts[0];
        Assert.NotEqual("localhost", first.Path);
        Assert.Equal("flannel-vxlan", first.Costliest);
        Assert.Equal("calico-bgp", first.Cheapest); // direct routing: no tunnel, no bridge
        // Inside a pod no CNI is crossed: every localhost verdict says so, and they come last.
        Assert.All(verdicts.Where(v => v.Path == "localhost"), v => Assert.True(v.NoDifference));
        Assert.All(verdicts.SkipWhile(v => !v.NoDifference), v => Assert.True(v.NoDifference));
        Assert.Equal("localhost", Verdict.PathOrder(Results, verdicts)[^1]);
    }

    [Theory]
    [InlineData("pod-cross-node")]
    [InlineData("cluster-ip")]
    [InlineData("node-port")]
    public void Across_nodes_the_tunnel_and_the_outer_packets_conntrack_make_the_largest_share_of_the_difference(string path)
    {
        foreach (PathVerdict v in Verdict.Of(Results).Where(v => v.Path == path))
        {
            // VXLAN's encapsulation and the outer packet's conntrack are work Calico's direct routes never do.
            var stages = v.Causes.Select(c => c.Stage).ToList();
            Assert.Contains("VxlanEncapsulate", stages);
            Assert.Contains("ConntrackOuterLookup", stages);
            Assert.Equal("tunnel", v.Causes.Single(c => c.Stage == "VxlanEncapsulate").Layer);
            Assert.All(v.Causes.Take(2), c => Assert.True(c.Nanoseconds > 0));
        }
    }

    [Fact]
    public void On_one_node_the_difference_is_flannels_bridge_against_Calicos_routed_veth()
    {
        foreach (PathVerdict v in Verdict.Of(Results).Where(v => v.Path == "pod-same-node"))
        {
            Assert.StartsWith("flannel-", v.Costliest);
            Assert.StartsWith("calico-", v.Cheapest);
            // The bridge (and br_netfilter's work on it) costs more; Calico instead routes, so it pays IP forwarding.
            Assert.Contains(v.Causes, c => c.Stage is "BridgeForward" or "BridgeNetfilter" && c.Nanoseconds > 0);
            Assert.DoesNotContain(v.Causes, c => c.Layer == "tunnel");
        }
    }
}
