using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Tests.Cluster;

/// <summary>
/// Every node's kernel holds a route to each other node's pod range (flannel's <c>10.244.M.0/24 via ...</c>,
/// Calico's <c>BLOCK via ... proto bird</c>), n - 1 of them; NetPerf holds the ranges once for the cluster and
/// builds a node's route, neighbour and FDB entry towards another node when its table is first asked. The tables
/// it answers from must be those of the eager build, route for route and count for count.
/// </summary>
public sealed class SharedNodeRangesTests
{
    private static KubernetesCluster Build(string plugin, int nodes, int racks, bool share)
    {
        var cni = CniPlugin.ByName(plugin);
        cni.ShareNodeRanges = share;
        return new KubernetesCluster(new ClusterOptions
        {
            Nodes = nodes,
            Racks = racks,
            Spines = racks > 1 ? 2 : 1,
            NodeSubnet = Ipv4Prefix.Parse("192.168.0.0/19"),
            ClusterCidr = Ipv4Prefix.Parse("10.0.0.0/11"),
        }, cni);
    }

    [Theory]
    [InlineData("flannel-vxlan", 90, 3)]
    [InlineData("calico-bgp", 90, 3)]
    [InlineData("calico-vxlan", 90, 3)]
    [InlineData("calico-ipip-crosssubnet", 90, 3)]
    [InlineData("flannel-host-gw", 60, 1)]
    public void For_seeded_random_node_pairs_the_route_and_next_hop_equal_the_eager_builds(string plugin, int nodes, int racks)
    {
        var eager = Build(plugin, nodes, racks, share: false);
        var shared = Build(plugin, nodes, racks, share: true);
        var random = new Random(14);
        for (int i = 0; i < 200; i++)
        {
            int a = random.Next(nodes), b = random.Next(nodes);
            var destination = shared.Nodes[b].PodAddress(5);
            Assert.Equal(Describe(eager.Nodes[a], destination), Describe(shared.Nodes[a], destination));
        }

        // What `ip route` would count on each node: its own routes and one towards every other node's range.
        Assert.Equal(eager.Nodes.Select(n => n.Root.Fib.Count), shared.Nodes.Select(n => n.Root.Fib.Count));
    }

    [Fact]
    public void A_node_joining_later_is_routed_both_ways_as_in_the_eager_build()
    {
        var eager = Build("flannel-vxlan", 6, 2, share: false);
        var shared = Build("flannel-vxlan", 6, 2, share: true);
        eager.AddNode();
        shared.AddNode();
        foreach (var (a, b) in new[] { (0, 6), (6, 0), (6, 3), (2, 5) })
        {
            var destination = shared.Nodes[b].PodAddress(2);
            Assert.Equal(Describe(eager.Nodes[a], destination), Describe(shared.Nodes[a], destination));
        }

        Assert.Equal(eager.Nodes.Select(n => n.Root.Fib.Count), shared.Nodes.Select(n => n.Root.Fib.Count));
    }

    /// <summary>The route a lookup picks, as <c>ip route get</c> prints it, and the next hop's link-layer address (a VXLAN peer's MAC and, through the FDB, its node).</summary>
    private static string Describe(Node node, Ipv4Address destination)
    {
        var route = node.Root.Fib.Lookup(destination);
        if (route is null)
        {
            return "unreachable";
        }

        var hop = route.SelectNextHop(0);
        var device = node.Root.Device(hop.Interface);
        var next = hop.IsDirect ? destination : hop.Gateway;
        return $"{route.ToString(i => node.Root.Device(i).Name)} lladdr {node.Root.Resolve(device, next)}";
    }
}
