using NetPerf.Network.Addressing;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using NetPerf.Scenarios.Tracing;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>
/// Racks numbered in cluster.nodeSubnet: a /24 of 253 nodes a rack after the fabric's links and before the outside
/// segment, so Kubernetes' 5,000 nodes sit on 20 racks of a /19 behind several spines; a subnet, or a rack count, too
/// small for the nodes is refused at its line with what it holds and what would hold them.
/// </summary>
public sealed class RackSubnetTests
{
    private static Scenario Parse(string cluster, string paths = "[pod-cross-node]") => ScenarioReader.Parse($"""
        name: racks
        cluster: {cluster}
        workloads: [{"{"} name: w, test: TCP_RR, paths: {paths} {"}"}]
        """, "racks.yaml", maxMemory: 64L << 30);

    private static ScenarioError Refused(string cluster) => Assert.Single(Assert.Throws<ScenarioException>(() => Parse(cluster)).Errors);

    [Fact]
    public void Five_thousand_nodes_on_twenty_racks_and_four_spines_of_a_slash_19_are_accepted()
    {
        var s = Parse("{ nodes: 5000, racks: 20, spines: 4, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/11 }");
        Assert.Equal((5_000, 20, 4), (s.Cluster.Nodes, s.Cluster.Racks, s.Cluster.Spines));
    }

    [Fact]
    public void On_racks_the_pod_ranges_are_checked_as_kube_controller_manager_checks_them()
    {
        // The default 10.244.0.0/14 of /24s is 1,024 ranges, the first unused: 1,023 nodes, refused with the /11 that holds 5,000.
        var error = Refused("{ nodes: 5000, racks: 20, spines: 4, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19 }");
        Assert.Contains("clusterCidr 10.244.0.0/14 with nodeCidrMaskSize 24 holds 1,024 node ranges", error.Message, StringComparison.Ordinal);
        Assert.Contains("a /11 holds 5,000", error.Message, StringComparison.Ordinal);

        // A /12 of /25s is 8,192 ranges; a /26 node mask in a /9 is 17 bits longer, past cidrset's 16.
        Assert.Equal(5_000, Parse("{ nodes: 5000, racks: 20, spines: 4, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/12, nodeCidrMaskSize: 25 }").Cluster.Nodes);
        Assert.Contains("is 17 bits longer than clusterCidr 172.0.0.0/9; kube-controller-manager allows at most 16",
            Refused("{ nodes: 5000, racks: 20, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19, clusterCidr: 172.0.0.0/9, nodeCidrMaskSize: 26 }").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slash_22_refuses_five_thousand_nodes_at_its_line_saying_it_holds_506_on_racks()
    {
        // A /22 is four /24s: the links', two racks' and the outside segment's.
        var error = Refused("""

              nodes: 5000
              racks: 20
              nodeSubnet: 192.168.0.0/22
              clusterCidr: 10.0.0.0/11
            """);
        Assert.Equal(5, error.Line);
        Assert.StartsWith("cluster.nodeSubnet: 192.168.0.0/22 holds 506 nodes on racks, 2 racks of 253", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster.nodes is 5,000 (20 racks or more)", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster.nodeSubnet: 192.168.0.0/19 numbers 29 racks (7,337 nodes)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void On_one_switch_a_slash_22_refuses_five_thousand_nodes_at_its_line_saying_it_holds_768()
    {
        // Node N is the N-th address and the last /24 is the outside segment: 1,024 - 256.
        var error = Refused("""

              nodes: 5000
              nodeSubnet: 192.168.0.0/22
              clusterCidr: 10.0.0.0/11
            """);
        Assert.Equal(4, error.Line);
        Assert.StartsWith("cluster.nodeSubnet: 192.168.0.0/22 holds 768 nodes, and cluster.nodes is 5,000", error.Message, StringComparison.Ordinal);
        Assert.Contains("192.168.0.0/19 holds 7,936", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Five_thousand_nodes_on_the_default_slash_20_are_refused_at_nodes_naming_the_slash_19()
    {
        var error = Refused("{ nodes: 5000, racks: 14, clusterCidr: 10.0.0.0/11 }");
        Assert.StartsWith("cluster.nodes: 5,000 nodes, and racks in the node subnet 192.168.0.0/20 hold 3,542: 14 racks of 253", error.Message, StringComparison.Ordinal);
        Assert.Contains("20 racks or more, and widen it: cluster.nodeSubnet: 192.168.0.0/19", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ nodes: 5000, racks: 4, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/11 }", "cluster.racks: 4 racks hold 1,012 nodes (253 a rack: a /24 each, .254 its ToR router), and cluster.nodes is 5,000; allowed: 20 to 29 racks in 192.168.0.0/19")]
    [InlineData("{ nodes: 100, racks: 40, nodeSubnet: 192.168.0.0/19 }", "cluster.racks: 40 racks, and the node subnet 192.168.0.0/19 numbers 29 racks of 253")]
    [InlineData("{ nodes: 100, racks: 40, nodeSubnet: 192.168.0.0/19 }", "or widen it: cluster.nodeSubnet: 192.168.0.0/18 numbers 59 racks (14,927 nodes)")]
    [InlineData("{ nodes: 4, racks: 2, nodeSubnet: 192.168.0.0/23 }", "cluster.nodeSubnet: 192.168.0.0/23 holds 0 nodes on racks, no room for two racks")]
    [InlineData("{ nodes: 4, racks: 240 }", "cluster.racks: 240 is out of range; allowed: 1 to 239")]
    public void A_rack_count_the_subnet_or_the_nodes_do_not_fit_is_refused_saying_what_is_allowed(string cluster, string message) =>
        Assert.Contains(message, Refused(cluster).Message, StringComparison.Ordinal);

    [Fact]
    public void Racks_in_a_slash_19_put_the_outside_segment_in_its_last_slash_24_and_node_port_traffic_arrives_across_racks()
    {
        var s = Parse("{ nodes: 4, racks: 2, spines: 2, cni: flannel-vxlan, nodeSubnet: 192.168.0.0/19 }", "[node-port, pod-cross-node]");
        var build = new ClusterBuild(s, s.Variants()[0], 1);
        Assert.Equal(["192.168.1.1", "192.168.2.1", "192.168.1.2", "192.168.2.2"], build.Cluster.Nodes.Select(n => n.Ip.ToString()));
        Assert.All(build.Cluster.Nodes, n => Assert.True(Ipv4Prefix.Parse("192.168.0.0/19").Contains(n.Ip)));
        Assert.Equal(Ipv4Prefix.Parse("192.168.31.0/24"), build.Cluster.Fabric!.Addressing.OutsideSubnet);
        Assert.True(ScenarioRunner.Run(s, new RunOptions { Quick = true, Parallelism = 1 }).Results.All(r => r.Report.Transactions > 0));
    }

    [Fact]
    public void On_the_five_thousand_node_fabric_a_cross_rack_pod_path_crosses_leaf_spine_leaf()
    {
        // The threshold cluster's fabric (20 racks of a /19, 4 spines), two nodes a rack: node 1 (client) in rack 1,
        // node 2 (server) in rack 2; each packet crosses its rack's ToR, one spine and the other rack's ToR.
        var s = Parse("{ nodes: 40, racks: 20, spines: 4, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19 }");
        var trace = PathTrace.Run(s, s.Variants()[0], s.Workloads[0], CommunicationPath.PodCrossNode);
        Assert.NotEmpty(trace.Fabric);
        Assert.All(trace.Fabric, c => Assert.Equal(3, c.Boxes.Count));
        Assert.All(trace.Fabric, c => Assert.Matches("^tor[12]/", c.Boxes[0]));
        Assert.All(trace.Fabric, c => Assert.Matches("^spine[2-4]?/swp[12]$", c.Boxes[1]));
        Assert.All(trace.Fabric, c => Assert.Matches("^tor[12]/", c.Boxes[2]));
        Assert.All(trace.Fabric, c => Assert.NotEqual(c.Boxes[0].Split('/')[0], c.Boxes[2].Split('/')[0]));
    }

    [Theory]
    [InlineData("cilium-native", "use one rack, or cilium-vxlan, or cilium-geneve")]
    [InlineData("flannel-host-gw", "use one rack, or flannel-vxlan")]
    public void A_plugin_that_needs_one_L2_segment_on_racks_is_pointed_at_its_own_project_s_tunnels(string cni, string advice)
    {
        var error = Refused($"{{ nodes: 4, racks: 2, cni: {cni} }}");
        Assert.Contains("needs every node on one L2 segment", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(advice, error.Message, StringComparison.Ordinal);
    }
}
