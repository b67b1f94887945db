using NetPerf.Network.Addressing;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>
/// cluster.nodeSubnet: node N is the subnet's N-th address and its last /24 the outside segment, so the default
/// 192.168.0.0/20 holds 3,840 nodes and a /19 7,936 (Kubernetes' 5,000-node threshold); the pod ranges must hold
/// them too.
/// </summary>
public sealed class NodeSubnetTests
{
    private static Model.Scenario Parse(string cluster, string paths = "[pod-cross-node]") => ScenarioReader.Parse($"""
        name: subnet
        cluster: {cluster}
        workloads: [{"{"} name: w, test: TCP_RR, paths: {paths} {"}"}]
        """, "subnet.yaml", maxMemory: 64L << 30);

    [Fact]
    public void Five_thousand_nodes_on_the_default_slash_20_are_refused_naming_the_slash_19_that_holds_them()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 5000, cni: calico-vxlan, clusterCidr: 10.0.0.0/10 }"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(2, error.Line);
        Assert.StartsWith("cluster.nodes: 5,000 nodes, and the node subnet 192.168.0.0/20 holds 3,840", error.Message, StringComparison.Ordinal);
        Assert.Contains("cluster.nodeSubnet: 192.168.0.0/19 holds 7,936", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_slash_19_holds_five_thousand_nodes_when_the_pod_ranges_do_too()
    {
        Assert.Equal(5_000, Parse("{ nodes: 5000, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/10 }").Cluster.Nodes);
        Assert.Equal(5_000, Parse("{ nodes: 5000, cni: flannel-vxlan, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/11 }").Cluster.Nodes);

        // The default pod range, 10.244.0.0/14 of /24s, holds 1,023 nodes: refused with the CIDR that would hold 5,000.
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 5000, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19 }"));
        var error = Assert.Single(e.Errors);
        Assert.Contains("clusterCidr 10.244.0.0/14 with nodeCidrMaskSize 24 holds 1,024 node ranges", error.Message, StringComparison.Ordinal);
        Assert.Contains("a /11 holds 5,000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_subnet_still_caps_at_3840_and_a_count_no_subnet_holds_is_out_of_range()
    {
        Assert.Equal(3_840, Parse("{ nodes: 3840, cni: calico-vxlan, clusterCidr: 10.0.0.0/12 }").Cluster.Nodes);
        Assert.Contains("allowed: 2 to 3840", Assert.Single(Assert.Throws<ScenarioException>(() => Parse("{ nodes: 1 }")).Errors).Message, StringComparison.Ordinal);
        Assert.Contains("allowed: 2 to 3840", Assert.Single(Assert.Throws<ScenarioException>(() => Parse("{ nodes: 70000 }")).Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ nodeSubnet: 192.168.0.0/24 }", "cluster.nodeSubnet: 192.168.0.0/24 is a /24; allowed: /16 (65,280 nodes) to /23 (256)")]
    [InlineData("{ nodeSubnet: 10.240.0.0/12 }", "cluster.nodeSubnet: 10.240.0.0/12 is a /12; allowed: /16")]
    [InlineData("{ nodeSubnet: 10.244.0.0/16 }", "cluster.clusterCidr 10.244.0.0/14 overlaps the node subnet 10.244.0.0/16")]
    [InlineData("{ nodeSubnet: 10.96.0.0/16, clusterCidr: 10.0.0.0/12 }", "cluster.serviceCidr 10.96.0.0/12 overlaps the node subnet 10.96.0.0/16")]
    [InlineData("{ nodeSubnet: 192.168.0.0 }", "cluster.nodeSubnet: '192.168.0.0' is not an IPv4 prefix; give one like 192.168.0.0/19")]
    public void A_node_subnet_that_cannot_number_the_nodes_is_refused_saying_what_is_allowed(string cluster, string message)
    {
        var e = Assert.Throws<ScenarioException>(() => Parse(cluster));
        Assert.Contains(e.Errors, x => x.Message.Contains(message, StringComparison.Ordinal) && x.Line == 2);
    }

    [Fact]
    public void A_wider_subnet_moves_the_gateway_and_outside_hosts_to_its_last_slash_24_and_node_port_traffic_still_arrives()
    {
        var wide = Parse("{ nodes: 3, nodeSubnet: 192.168.0.0/19 }", "[node-port]");
        var build = new ClusterBuild(wide, wide.Variants()[0], 1);
        Assert.Equal(["192.168.0.1", "192.168.0.2", "192.168.0.3"], build.Cluster.Nodes.Select(n => n.Ip.ToString()));
        Assert.All(build.Cluster.Nodes, n => Assert.Equal(Ipv4Address.Parse("192.168.31.254"), n.Gateway));
        Assert.Equal(Ipv4Prefix.Parse("192.168.0.0/19"), build.Cluster.Nodes[0].Subnet);
        Assert.True(ScenarioRunner.Run(wide, new RunOptions { Quick = true, Parallelism = 1 }).Results.Single().Report.Transactions > 0);

        // The default is unchanged: the shipped scenarios' addresses (and results) stay where they were.
        var narrow = Parse("{ nodes: 3 }");
        var defaults = new ClusterBuild(narrow, narrow.Variants()[0], 1);
        Assert.All(defaults.Cluster.Nodes, n => Assert.Equal(Ipv4Address.Parse("192.168.15.254"), n.Gateway));
        Assert.Equal(Ipv4Prefix.Parse("192.168.0.0/20"), defaults.Cluster.Nodes[0].Subnet);
    }
}
