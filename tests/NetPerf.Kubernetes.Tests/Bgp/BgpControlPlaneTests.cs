using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Bgp;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Routing;

namespace NetPerf.Kubernetes.Tests.Bgp;

/// <summary>
/// Calico's BGP over the simulated network: sessions per topology, the messages initial convergence costs,
/// block routes that appear only through BGP, node joins, and hard failures found by the hold timer.
/// </summary>
public class BgpControlPlaneTests
{
    private static readonly SimTime Settled = SimTime.FromSeconds(3); // past the 1 s connect delay, before the first 80 s keepalive

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(12)]
    public void A_full_mesh_of_n_nodes_establishes_n_times_n_minus_1_over_2_sessions_and_every_node_learns_every_block(int n)
    {
        var (cluster, plane) = BgpTestCluster.Build(n, BgpTopology.FullMesh);
        Assert.Null(cluster.Node(1).Root.Fib.Find(CalicoRouted.Block(cluster.Node(2)))); // nothing static
        cluster.Bed.Sim.RunUntil(Settled);

        Assert.Equal(n * (n - 1) / 2, plane.EstablishedSessions);
        Assert.All(plane.Speakers, s => Assert.Equal(n - 1, s.EstablishedSessions));
        foreach (var node in cluster.Nodes)
        {
            foreach (var other in cluster.Nodes.Where(o => o != node))
            {
                var route = node.Root.Fib.Find(CalicoRouted.Block(other));
                Assert.NotNull(route);
                Assert.Equal(RouteProtocol.Bird, route.Protocol);
                Assert.Equal(other.Ip, route.NextHops[0].Gateway);
                Assert.Equal(node.Eth0.Index, route.NextHops[0].Interface);
            }
        }
    }

    [Fact]
    public void Full_mesh_initial_convergence_sends_one_OPEN_one_KEEPALIVE_and_one_UPDATE_per_session_side()
    {
        // Each of the n(n-1) session ends sends its OPEN, the KEEPALIVE that confirms the peer's OPEN, and one
        // UPDATE with its own block; a mesh speaker passes nothing on (iBGP split horizon).
        const int n = 5;
        var (cluster, plane) = BgpTestCluster.Build(n, BgpTopology.FullMesh);
        cluster.Bed.Sim.RunUntil(Settled);

        Assert.Equal(n * (n - 1), plane.Sent(BgpMessageType.Open));
        Assert.Equal(n * (n - 1), plane.Sent(BgpMessageType.Keepalive));
        Assert.Equal(n * (n - 1), plane.Sent(BgpMessageType.Update));
        Assert.Equal(0, plane.Sent(BgpMessageType.Notification));
        Assert.Equal(0, plane.Withdrawals);
        Assert.Equal(n * (n - 1) * (45 + 19 + 49), plane.BytesSent);

        // The speakers start after Calico's connect delay of 1 s (jittered to 0.75-1 s); the rest is round trips.
        Assert.InRange(plane.InitialConvergence!.Value, SimTime.FromMilliseconds(750), SimTime.FromMilliseconds(1010));
    }

    [Fact]
    public void With_two_route_reflectors_each_client_has_2_sessions_and_UPDATEs_are_2c_squared_plus_6c_plus_2()
    {
        // 6 nodes: reflectors node1 and node2 (one cluster id), c = 4 clients. Sessions: 2 per client + the
        // reflectors' own = 2c + 1. UPDATEs: each client's block to both reflectors (2c); each reflector's own
        // block to c clients and the other reflector (2(c + 1)); each reflector reflects every client's block to
        // the other c - 1 clients and to the other reflector (2c^2), and the other reflector's block to its c
        // clients (2c). What one reflector reflects to the other carries their shared cluster id and is dropped.
        const int n = 6, c = n - 2;
        var (cluster, plane) = BgpTestCluster.Build(n, BgpTopology.RouteReflectors);
        cluster.Bed.Sim.RunUntil(Settled);

        Assert.Equal((2 * c) + 1, plane.EstablishedSessions);
        Assert.All(plane.Speakers.Skip(2), s => Assert.Equal(2, s.EstablishedSessions));
        Assert.All(plane.Speakers.Take(2), s => Assert.Equal(c + 1, s.EstablishedSessions));
        Assert.Equal(2 * ((2 * c) + 1), plane.Sent(BgpMessageType.Open));
        Assert.Equal((2 * c * c) + (6 * c) + 2, plane.Sent(BgpMessageType.Update));
        foreach (var node in cluster.Nodes)
        {
            Assert.All(cluster.Nodes, other => Assert.True(plane.HasRoute(node, other), $"{node.Name} has no route to {other.Name}'s block"));
        }

        // A client reaches another client directly: the reflector passes the route on, not the traffic.
        var route = cluster.Node(3).Root.Fib.Find(CalicoRouted.Block(cluster.Node(6)))!;
        Assert.Equal(cluster.Node(6).Ip, route.NextHops[0].Gateway);
    }

    [Theory]
    [InlineData(BgpTopology.FullMesh)]
    [InlineData(BgpTopology.RouteReflectors)]
    public void A_joining_nodes_pods_are_reachable_from_a_pod_on_every_other_node_once_BGP_has_converged(BgpTopology topology)
    {
        var (cluster, plane) = BgpTestCluster.Build(5, topology);
        cluster.Bed.Sim.RunUntil(Settled);
        var clients = cluster.Nodes.Select(n => cluster.AddPod($"client{n.Index}", n.Index)).ToList();

        var joined = cluster.AddNode();
        var server = cluster.AddPod("server", joined.Index);
        Assert.All(clients, p => Assert.False(plane.HasRoute(p.Node, joined)));
        Assert.Equal(0, BgpTestCluster.TcpBytes(cluster, clients[0], server, 5000)); // no route yet: to the default gateway, unresolved

        cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + Settled);
        Assert.Equal(topology == BgpTopology.FullMesh ? 15 : 9, plane.EstablishedSessions); // 6 x 5 / 2, or 2 x 4 clients + 1
        ushort port = 5001;
        foreach (var client in clients)
        {
            Assert.Equal(10_000, BgpTestCluster.TcpBytes(cluster, client, server, port++));
        }
    }

    [Fact]
    public void With_IP_in_IP_the_learned_block_routes_go_through_tunl0_onlink_and_carry_traffic()
    {
        var (cluster, _) = BgpTestCluster.Build(3, BgpTopology.FullMesh, ipip: true);
        cluster.Bed.Sim.RunUntil(Settled);
        var node1 = cluster.Node(1);
        var route = node1.Root.Fib.Find(CalicoRouted.Block(cluster.Node(3)))!;
        Assert.Equal("tunl0", node1.Root.Device(route.NextHops[0].Interface).Name);
        Assert.True(route.NextHops[0].OnLink);
        Assert.EndsWith("onlink proto bird", route.ToString(), StringComparison.Ordinal);
        Assert.Equal(10_000, BgpTestCluster.TcpBytes(cluster, cluster.AddPod("a", 1), cluster.AddPod("b", 3), 5000));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void With_hold_9s_and_keepalive_3s_a_node_that_fails_hard_at_t0_loses_its_route_on_every_peer_within_t0_plus_6s_and_t0_plus_9s(ulong seed)
    {
        // The peers last heard from it at most one keepalive interval (3 s, jittered shorter) before t0, and give
        // up one hold time (9 s) after that.
        var (cluster, plane) = BgpTestCluster.Build(5, BgpTopology.FullMesh, BgpTimers.WithHold(SimTime.FromSeconds(9)), seed: seed);
        var t0 = SimTime.FromSeconds(30);
        cluster.Bed.Sim.RunUntil(t0);
        var failed = cluster.Node(3);
        cluster.FailNode(3);
        cluster.Bed.Sim.RunUntil(t0 + SimTime.FromSeconds(20));

        var block = CalicoRouted.Block(failed);
        foreach (var peer in cluster.Nodes.Where(n => n != failed))
        {
            var removed = plane.RouteChanges.Single(c => c.Node == peer.Index && c.Block == block && !c.Installed);
            Assert.InRange(removed.Time, t0 + SimTime.FromSeconds(6) + new SimTime(1), t0 + SimTime.FromSeconds(9));
            Assert.Null(peer.Root.Fib.Find(block));
            Assert.Equal(1, plane.Speaker(peer).SessionWith(failed.Ip).HoldTimerExpiries);
        }

        Assert.Equal(6, plane.EstablishedSessions); // the 4 survivors' mesh
        Assert.Equal(0, plane.Withdrawals); // in a mesh every peer finds out for itself
    }

    [Fact]
    public void A_failed_clients_route_is_withdrawn_through_the_reflectors_from_clients_that_never_peered_with_it()
    {
        const int n = 6, c = n - 2;
        var (cluster, plane) = BgpTestCluster.Build(n, BgpTopology.RouteReflectors, BgpTimers.WithHold(SimTime.FromSeconds(9)));
        var t0 = SimTime.FromSeconds(30);
        cluster.Bed.Sim.RunUntil(t0);
        var failed = cluster.Node(4);
        cluster.FailNode(4);
        cluster.Bed.Sim.RunUntil(t0 + SimTime.FromSeconds(20));

        var block = CalicoRouted.Block(failed);
        foreach (var node in cluster.Nodes.Where(x => x != failed))
        {
            var removed = plane.RouteChanges.Single(x => x.Node == node.Index && x.Block == block && !x.Installed);
            Assert.InRange(removed.Time, t0 + SimTime.FromSeconds(6) + new SimTime(1), t0 + SimTime.FromSeconds(9));
        }

        // Each reflector withdraws it from the c - 1 other clients and from the other reflector; the surviving
        // clients kept both their sessions throughout.
        Assert.Equal(2 * c, plane.Withdrawals);
        Assert.All(new[] { 3, 5, 6 }, i => Assert.Equal(2, plane.Speaker(cluster.Node(i)).EstablishedSessions));
        Assert.Equal(2 * (c - 1) + 1, plane.EstablishedSessions);
    }

    [Fact]
    public void Static_Calico_routing_refuses_a_BGP_control_plane()
    {
        var cluster = new global::NetPerf.Kubernetes.Cluster.KubernetesCluster(new global::NetPerf.Kubernetes.Cluster.ClusterOptions { Nodes = 2 }, new CalicoRouted(ipip: false));
        Assert.Throws<ArgumentException>(() => _ = new BgpControlPlane(cluster));
    }
}
