using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>
/// What a cluster CIDR and node mask hold at Kubernetes' scale, and the pods a node's range addresses: host-local
/// IPAM (flannel, Cilium) takes network, gateway and broadcast from the node's range; calico-ipam has its own /26
/// blocks. The Service range as kube-apiserver bounds it.
/// </summary>
public sealed class NodeRangeTests
{
    private static Model.Scenario Parse(string cluster, string extra = "") => ScenarioReader.Parse($"""
        name: ranges
        cluster: {cluster}
        {extra}
        workloads: [{"{"} name: w, test: TCP_RR, paths: [pod-cross-node] {"}"}]
        """, "ranges.yaml", maxMemory: 64L << 30);

    private const string Big = "nodes: 5000, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19";

    [Fact]
    public void Five_thousand_nodes_of_slash_24_ranges_need_at_least_a_slash_11_a_slash_12_holds_4096()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse($"{{ {Big}, clusterCidr: 10.0.0.0/12 }}"));
        var error = Assert.Single(e.Errors);
        Assert.Contains("clusterCidr 10.0.0.0/12 with nodeCidrMaskSize 24 holds 4,096 node ranges", error.Message, StringComparison.Ordinal);
        Assert.Contains("a /11 holds 5,000", error.Message, StringComparison.Ordinal);
        Assert.Equal(5_000, Parse($"{{ {Big}, clusterCidr: 10.0.0.0/11 }}").Cluster.Nodes);
    }

    [Fact]
    public void A_slash_12_of_slash_26_ranges_holds_16384_so_5000_nodes_fit_as_with_kube_controller_manager()
    {
        Assert.Equal(5_000, Parse($"{{ {Big}, clusterCidr: 10.0.0.0/12, nodeCidrMaskSize: 26 }}").Cluster.Nodes);
    }

    [Theory]
    [InlineData(24, 253)]
    [InlineData(25, 125)]
    [InlineData(26, 61)]
    [InlineData(28, 13)]
    [InlineData(30, 1)]
    public void A_host_local_node_range_addresses_its_size_less_network_gateway_and_broadcast(int mask, int pods)
    {
        Assert.Equal(pods, Kubernetes.Cni.CniPlugins.Get("flannel-vxlan").PodsPerNode(mask));
        Assert.Equal(pods, Kubernetes.Cni.CniPlugins.Get("cilium-native").PodsPerNode(mask));
    }

    [Fact]
    public void Calico_and_weave_take_pod_addresses_from_their_own_ipam_so_the_node_mask_bounds_none()
    {
        Assert.Equal(Kubernetes.Cni.CniPlugins.Get("calico-vxlan").MaxPodsPerNode, Kubernetes.Cni.CniPlugins.Get("calico-vxlan").PodsPerNode(26));
        Assert.Equal(Kubernetes.Cni.CniPlugins.Get("weave").MaxPodsPerNode, Kubernetes.Cni.CniPlugins.Get("weave").PodsPerNode(30));
    }

    [Fact]
    public void Sixty_two_pods_on_a_flannel_node_of_a_slash_26_are_refused_naming_the_range_61_fit()
    {
        // 60 replicas on node 1 and the two measured pods it holds make 62; a /26 holds 64 addresses less 3.
        var cluster = "{ nodes: 4, cni: flannel-vxlan, nodeCidrMaskSize: 26, maxPods: 110, podsPerCore: 0 }";
        var e = Assert.Throws<ScenarioException>(() => Parse(cluster, "deployments: [{ name: d, replicas: 60, labels: { app: d }, nodes: [1] }]"));
        var error = Assert.Single(e.Errors);
        // Said at the key that sets the range, with the longest mask that holds them: a /25's 128 less 3.
        Assert.StartsWith("cluster.nodeCidrMaskSize: /26: node 1 gets 62 pods", error.Message, StringComparison.Ordinal);
        Assert.Contains("addresses at most 61 per node (its IPAM addresses pods from the node's /26 range: 64 addresses less 3", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("allowed: /25 or shorter for 62 pods", error.Message, StringComparison.Ordinal);
        Assert.NotNull(Parse(cluster, "deployments: [{ name: d, replicas: 59, labels: { app: d }, nodes: [1] }]"));
        // Calico borrows another /26 block when a node's are full: the same 62 pods are fine there.
        Assert.NotNull(Parse(cluster.Replace("flannel-vxlan", "calico-vxlan", StringComparison.Ordinal), "deployments: [{ name: d, replicas: 60, labels: { app: d }, nodes: [1] }]"));
    }

    [Fact]
    public void A_node_range_shorter_than_calicos_slash_26_block_is_refused_on_calico()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ nodes: 4, cni: calico-vxlan, nodeCidrMaskSize: 27 }"));
        Assert.Contains("cluster.nodeCidrMaskSize: /27 with calico-vxlan", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pods_on_slash_26_node_ranges_are_addressed_inside_them_and_talk_across_nodes()
    {
        var s = Parse("{ nodes: 3, cni: flannel-vxlan, clusterCidr: 10.32.0.0/16, nodeCidrMaskSize: 26 }");
        var build = new ClusterBuild(s, s.Variants()[0], 1);
        Assert.Equal(["10.32.0.64/26", "10.32.0.128/26", "10.32.0.192/26"], build.Cluster.Nodes.Select(n => n.PodCidr.ToString()));
        Assert.All(build.Cluster.Pods.Where(p => !p.HostNetwork), p => Assert.True(p.Node.PodCidr.Contains(p.Ip), $"{p} outside {p.Node.PodCidr}"));
        var outcome = ScenarioRunner.Run(s, new RunOptions { Quick = true, Parallelism = 1 });
        Assert.True(outcome.Results.Single().Report.Transactions > 0);
    }

    [Fact]
    public void A_service_range_wider_than_a_slash_12_is_refused_as_kube_apiserver_refuses_it()
    {
        var e = Assert.Throws<ScenarioException>(() => Parse("{ serviceCidr: 10.96.0.0/11, clusterCidr: 10.244.0.0/16 }"));
        Assert.Contains("cluster.serviceCidr 10.96.0.0/11 is too large: kube-apiserver allows at most 1,048,576 addresses", Assert.Single(e.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ten_thousand_services_need_a_slash_18_a_slash_19_holds_8190()
    {
        const string services = "services: [{ name: s, count: 10000, selector: { app: netperf-server }, port: 80 }]";
        var e = Assert.Throws<ScenarioException>(() => Parse("{ serviceCidr: 10.96.0.0/19 }", services));
        var error = Assert.Single(e.Errors, x => x.Message.StartsWith("cluster.serviceCidr", StringComparison.Ordinal));
        Assert.Contains("holds 8,190 ClusterIPs", error.Message, StringComparison.Ordinal);
        Assert.Contains("widen it: a /18 holds 16,382", error.Message, StringComparison.Ordinal);
        Assert.NotNull(Parse("{ serviceCidr: 10.96.0.0/18 }", services));
    }
}
