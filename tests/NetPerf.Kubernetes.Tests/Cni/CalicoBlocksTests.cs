using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Bgp;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Tests.Bgp;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Routing;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// calico-ipam's blocks: a node that fills its /26 claims another from the pool instead of refusing pods, so the
/// kubelet's max-pods (110), not a block's 64 addresses, bounds a node; and every block a node holds is routed
/// to it (BIRD announces each).
/// </summary>
public class CalicoBlocksTests
{
    private static List<Pod> Fill(KubernetesCluster cluster, int node, int pods) =>
        Enumerable.Range(0, pods).Select(i => cluster.AddPod($"p{node}-{i}", node)).ToList();

    [Fact]
    public void A_hundred_pods_on_one_node_take_two_blocks_and_bgp_announces_both()
    {
        var (cluster, plane) = BgpTestCluster.Build(2, BgpTopology.FullMesh);
        cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(3));
        var pods = Fill(cluster, 1, 100);
        cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromSeconds(1));

        // 100 pods at offsets 2..101 of the node's blocks (the first block's .0 is the tunnel address's, .1 unused):
        // 62 in the first /26, 38 in the second.
        var cni = (CalicoRouted)cluster.Cni;
        var node1 = cluster.Node(1);
        Assert.Equal([Ipv4Prefix.Parse("10.244.1.0/26"), Ipv4Prefix.Parse("10.244.1.64/26")], cni.Blocks(node1));
        Assert.Equal(2, plane.Speaker(node1).OwnBlocks.Count);
        Assert.Equal(pods.Count, pods.Select(p => p.Ip).Distinct().Count());
        Assert.All(pods, p => Assert.Contains(cni.Blocks(node1), b => b.Contains(p.Ip)));

        var node2 = cluster.Node(2);
        foreach (var block in cni.Blocks(node1))
        {
            var route = node2.Root.Fib.Find(block)!; // BLOCK via 192.168.0.1 dev eth0 proto bird
            Assert.Equal(RouteProtocol.Bird, route.Protocol);
            Assert.Equal(node1.Ip, route.NextHops[0].Gateway);
        }

        var client = cluster.AddPod("client", 2);
        Assert.Equal(10_000, BgpTestCluster.TcpBytes(cluster, client, pods[^1], 5001)); // in the second block
    }

    [Theory]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    [InlineData("calico-vxlan")]
    public void With_static_routing_every_other_node_gets_a_route_to_a_block_claimed_after_the_cluster_was_built(string name)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, Costs = CostTable.Uniform(StageCost.Nanoseconds(100)) }, CniPlugin.ByName(name));
        var pods = Fill(cluster, 1, 70);
        var second = Ipv4Prefix.Parse("10.244.1.64/26");
        Assert.Contains(second, ((CalicoRouted)cluster.Cni).Blocks(cluster.Node(1)));
        Assert.NotNull(cluster.Node(2).Root.Fib.Find(second));
        Assert.NotNull(cluster.Node(3).Root.Fib.Find(second));
        Assert.Equal(10_000, BgpTestCluster.TcpBytes(cluster, cluster.AddPod("client", 3), pods[^1], 5001));
    }

    [Fact]
    public void Across_racks_the_fabric_learns_the_further_block_too()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, Racks = 2, Costs = CostTable.Uniform(StageCost.Nanoseconds(100)) }, CniPlugin.ByName("calico-bgp"));
        var pods = Fill(cluster, 1, 70);
        Assert.Equal(10_000, BgpTestCluster.TcpBytes(cluster, cluster.AddPod("client", 2), pods[^1], 5001)); // node 2 is in rack 2
    }

    [Fact]
    public void A_calico_node_holds_the_kubelets_110_pods_in_two_blocks_and_more_in_more_blocks()
    {
        var kind = CniPlugins.Get("calico-bgp");
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = CostTable.Free() }, kind.Create());
        _ = Fill(cluster, 1, 110);
        Assert.Equal(2, ((CalicoRouted)cluster.Cni).Blocks(cluster.Node(1)).Count); // offsets 2..111: two /26s
        _ = Fill(cluster, 2, 200);
        Assert.Equal(4, ((CalicoRouted)cluster.Cni).Blocks(cluster.Node(2)).Count); // a kubelet with --max-pods 200: offsets 2..201
    }
}
