using NetPerf.Network.Addressing;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>
/// The cluster CIDR and node mask (kube-controller-manager's --cluster-cidr and --node-cidr-mask-size): how many
/// node ranges a CIDR holds, the checks node IPAM makes, and a cluster that really uses the ranges it was given.
/// </summary>
public sealed class PodNetworkTests
{
    private static Model.Scenario Parse(string cluster, string paths = "[pod-cross-node]") => ScenarioReader.Parse($"""
        name: cidr
        cluster: {cluster}
        workloads: [{"{"} name: w, test: TCP_RR, paths: {paths} {"}"}]
        """, "cidr.yaml");

    [Fact]
    public void A_slash_16_of_slash_24s_holds_256_ranges_so_300_nodes_are_refused_at_the_nodes_key_with_that_figure()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 300, clusterCidr: 10.244.0.0/16 }"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(2, error.Line);
        Assert.StartsWith("cluster.nodes: 300 nodes, and clusterCidr 10.244.0.0/16 with nodeCidrMaskSize 24 holds 256 node ranges", error.Message, StringComparison.Ordinal);
        Assert.Contains("a /15 holds 300", error.Message, StringComparison.Ordinal); // 512 ranges
    }

    [Fact]
    public void The_same_slash_16_holds_255_nodes_and_a_slash_15_holds_300()
    {
        Assert.Equal(255, Parse("{ nodes: 255, clusterCidr: 10.244.0.0/16 }").Cluster.Nodes);
        Assert.Equal(300, Parse("{ nodes: 300, clusterCidr: 10.244.0.0/15 }").Cluster.Nodes);
    }

    [Fact]
    public void A_node_mask_shorter_than_the_cluster_cidrs_is_refused_as_kube_controller_manager_refuses_it()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ clusterCidr: 10.244.0.0/16, nodeCidrMaskSize: 12 }"));
        Assert.Contains("cluster.nodeCidrMaskSize: /12 is shorter than clusterCidr 10.244.0.0/16", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_mask_more_than_16_bits_past_the_cluster_cidr_is_refused_as_cidrset_refuses_it()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ clusterCidr: 10.0.0.0/7, nodeCidrMaskSize: 24, serviceCidr: 172.20.0.0/16 }"));
        Assert.Contains("17 bits longer than clusterCidr 10.0.0.0/7; kube-controller-manager allows at most 16", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cluster_cidr_that_overlaps_the_service_range_is_refused()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ clusterCidr: 10.96.0.0/16 }"));
        Assert.Contains("overlaps the pod network 10.96.0.0/16", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_the_old_1023_nodes_pass_validation_with_a_wide_enough_cluster_cidr_up_to_the_node_subnets_3840()
    {
        Assert.Equal(3_840, Parse("{ nodes: 3840, cni: calico-vxlan, clusterCidr: 10.0.0.0/12 }").Cluster.Nodes);
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 3841, cni: calico-vxlan, clusterCidr: 10.0.0.0/12 }"));
        Assert.Contains("the node subnet 192.168.0.0/20 holds 3,840; node N is its N-th address and its last /24 is the outside segment; widen it: cluster.nodeSubnet: 192.168.0.0/19 holds 7,936", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nodes_take_their_ranges_from_the_given_cidr_and_mask_and_pods_on_them_still_talk_across_nodes()
    {
        // 10.32.0.0/16 in /22s: node N is 10.32.(4N).0/22; flannel's masquerade rules name the cluster CIDR.
        var s = Parse("{ nodes: 3, cni: flannel-vxlan, clusterCidr: 10.32.0.0/16, nodeCidrMaskSize: 22 }");
        var build = new ClusterBuild(s, s.Variants()[0], 1);
        var nodes = build.Cluster.Nodes;
        Assert.Equal(["10.32.4.0/22", "10.32.8.0/22", "10.32.12.0/22"], nodes.Select(n => n.PodCidr.ToString()));
        foreach (var pod in build.Cluster.Pods.Where(p => !p.HostNetwork))
        {
            Assert.True(pod.Node.PodCidr.Contains(pod.Ip), $"{pod} outside {pod.Node.PodCidr}");
        }

        var outcome = ScenarioRunner.Run(s, new RunOptions { Quick = true, Parallelism = 1 });
        Assert.True(outcome.Results.Single().Report.Transactions > 0);
    }
}
