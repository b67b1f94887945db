using NetPerf.Scenarios.Estimation;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>A deployment's count stamps it out as a Service's does: N deployments of the same labels from one entry.</summary>
public sealed class DeploymentCountTests
{
    private static Model.Scenario Parse(string extra, string cluster = "{ nodes: 3 }") => ScenarioReader.Parse($"""
        name: count
        cluster: {cluster}
        {extra}
        workloads: [{"{"} name: w, test: TCP_RR, paths: [pod-cross-node] {"}"}]
        """, "count.yaml", maxMemory: 64L << 30);

    [Fact]
    public void Two_stamps_of_three_replicas_are_six_pods_named_by_stamp_spread_round_robin_across_the_stamps()
    {
        var s = Parse("deployments: [{ name: cache, replicas: 3, count: 2, labels: { app: cache }, nodes: [1, 2] }]");
        var build = new ClusterBuild(s, s.Variants()[0], 1);
        var cache = build.Cluster.Pods.Where(p => p.Name.StartsWith("cache-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["cache-0-0", "cache-0-1", "cache-0-2", "cache-1-0", "cache-1-1", "cache-1-2"], cache.Select(p => p.Name));
        Assert.Equal([1, 2, 1, 2, 1, 2], cache.Select(p => p.Node.Index)); // the second stamp goes on where the first stopped
        Assert.All(cache, p => Assert.Equal("cache", p.Labels["app"]));
    }

    [Fact]
    public void The_estimate_counts_every_stamped_pod_and_every_endpoint_a_selector_finds_among_them()
    {
        var s = Parse("""
            deployments: [{ name: d, replicas: 250, count: 600, labels: { app: d } }]
            services: [{ name: s, selector: { app: d }, port: 80 }]
            """, "{ nodes: 5000, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/10 }");
        var e = ScaleEstimate.Of(s, s.Variants()[0]);
        Assert.Equal(150_000 + ClusterLayout.PodNames.Count, e.Pods);
        Assert.Equal(150_000 + 2, e.Endpoints); // and kube-dns's and web's
    }

    [Fact]
    public void Stamped_pods_count_against_the_pods_a_node_can_address()
    {
        // A /24 addresses 253 pods: 2 x 400 pods over nodes 1 and 2 put 400 on each.
        var e = Assert.Throws<ScenarioException>(() => Parse("deployments: [{ name: big, replicas: 400, count: 2, labels: { app: big }, nodes: [1, 2] }]"));
        Assert.Contains(e.Errors, x => x.Message.StartsWith("deployments: node 1 gets 402 pods", StringComparison.Ordinal)); // and the two measured pods
    }
}
