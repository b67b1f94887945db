using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Fabric;

/// <summary>
/// A leaf-spine fabric: every ToR cabled to each spine and spreading flows to other racks over them by ECMP on the
/// 5-tuple, keyed per ToR by the run's seed: many flows divide about evenly, one flow keeps one spine.
/// </summary>
public class LeafSpineTests
{
    private static KubernetesCluster Build(int spines, ulong seed = 1, string cni = "flannel-vxlan") =>
        new(new ClusterOptions { Nodes = 4, Racks = 2, Spines = spines, Seed = seed }, CniPlugin.ByName(cni));

    /// <summary>One datagram from each of <paramref name="flows"/> source ports of node 1 (rack 1) to node 2 (rack 2); the frames each spine forwarded from rack 1, and the datagrams that arrived.</summary>
    private static (long[] PerSpine, long Arrived) UdpFlows(KubernetesCluster cluster, int flows)
    {
        var sink = new UdpSocket(cluster.Node(2).Root, cluster.Node(2).Ip, 9);
        for (int i = 0; i < flows; i++)
        {
            _ = new UdpSocket(cluster.Node(1).Root, cluster.Node(1).Ip, (ushort)(20_000 + i)).Send(cluster.Node(2).Ip, 9, 100);
        }

        cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromMilliseconds(10));
        return ([.. cluster.Fabric!.Spines.Select(s => s.Ports[0].ReceivedPerQueue.Sum())], sink.Received);
    }

    [Fact]
    public void Each_ToR_has_an_uplink_to_every_spine_and_routes_the_other_racks_over_all_of_them()
    {
        var cluster = Build(spines: 4);
        var tor = cluster.Fabric!.Tor(1);
        Assert.Equal(["uplink", "uplink2", "uplink3", "uplink4"], tor.Uplinks.Select(u => u.Name));
        Assert.Equal(["192.168.0.3", "192.168.0.35", "192.168.0.67", "192.168.0.99"], tor.Uplinks.Select(u => u.PrimaryAddress.ToString()));
        var route = tor.Host.Root.Fib.Lookup(cluster.Node(2).Ip)!;
        Assert.Equal(4, route.NextHops.Count);
        Assert.Equal(Ipv4Address.Parse("192.168.0.2"), tor.Host.Root.Fib.Lookup(Ipv4Address.Parse("192.168.15.1"))!.NextHops.Single().Gateway); // the outside segment is on the first spine
    }

    [Fact]
    public void Four_hundred_flows_over_four_spines_split_about_evenly_and_all_arrive()
    {
        // 400 flows hashed uniformly onto 4 spines: 100 each, standard deviation sqrt(400 x 1/4 x 3/4) = 8.7.
        var (perSpine, arrived) = UdpFlows(Build(spines: 4), 400);
        Assert.Equal(400, arrived);
        Assert.Equal(400, perSpine.Sum());
        Assert.All(perSpine, n => Assert.InRange(n, 70, 130));
    }

    [Fact]
    public void One_spine_carries_everything_as_before()
    {
        var (perSpine, arrived) = UdpFlows(Build(spines: 1), 100);
        Assert.Equal(100, arrived);
        Assert.Equal([100L], perSpine);
    }

    [Fact]
    public void One_tcp_flows_segments_all_cross_one_spine_and_arrive_whole()
    {
        var cluster = Build(spines: 4);
        var sink = new TcpCounter();
        _ = new TcpListener(cluster.Node(2).Root, 5001, sink);
        _ = TcpSocket.Connect(cluster.Node(1).Root, cluster.Node(2).Ip, 5001, new TcpWriter(2_000_000));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(50));

        Assert.Equal(2_000_000, sink.Received);
        var fromRack1 = cluster.Fabric!.Spines.Select(s => s.Ports[0].ReceivedPerQueue.Sum()).ToList();
        Assert.Single(fromRack1, n => n > 0);
        Assert.True(fromRack1.Max() > 100, $"the flow's segments: {string.Join(", ", fromRack1)}");
    }

    [Fact]
    public void The_split_is_fixed_by_the_seed_and_another_seed_splits_differently()
    {
        var first = UdpFlows(Build(spines: 4, seed: 1), 200).PerSpine;
        Assert.Equal(first, UdpFlows(Build(spines: 4, seed: 1), 200).PerSpine);

        // The spine of one flow under eight seeds: each seed keys the ToRs' hash anew, so they do not all agree.
        var spineOfOneFlow = Enumerable.Range(1, 8).Select(seed => Array.FindIndex(UdpFlows(Build(spines: 4, seed: (ulong)seed), 1).PerSpine, n => n > 0)).ToList();
        Assert.True(spineOfOneFlow.Distinct().Count() > 1, $"one flow's spine under seeds 1-8: {string.Join(", ", spineOfOneFlow)}");
    }

    [Fact]
    public void Calico_blocks_announced_to_the_ToRs_are_ECMP_routes_over_every_spine_on_the_other_racks()
    {
        // Unencapsulated, calico-bgp has each node announce its blocks to its ToR (Calico's AS per rack); the fabric
        // carries pod addresses, so the other racks' ToRs learn each block from every spine.
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 4, Racks = 2, Spines = 3 }, CniPlugin.ByName("calico-bgp"));
        var block = CalicoRouted.Block(cluster.Node(2)); // node 2 is in rack 2
        var onRack1 = cluster.Fabric!.Tor(1).Host.Root.Fib.Find(block);
        Assert.NotNull(onRack1);
        Assert.Equal(3, onRack1.NextHops.Count);
        Assert.All(cluster.Fabric.Spines, s => Assert.NotNull(s.Host.Root.Fib.Find(block)));
    }
}
