using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Bgp;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;

namespace NetPerf.Kubernetes.Tests.Bgp;

/// <summary>
/// Calico's peering in numbers (the mesh's n(n-1)/2 sessions, route reflectors' linear count) against the sessions
/// the simulated speakers bring up, and the routes learnt through reflectors against those a static build installs.
/// </summary>
public class BgpPeeringTests
{
    private static readonly SimTime Settled = SimTime.FromSeconds(3); // past the 1 s connect delay

    [Fact]
    public void A_mesh_of_5000_nodes_is_12_5_M_sessions_and_two_reflectors_make_it_9997()
    {
        Assert.Equal(12_497_500, BgpPeering.Mesh.Sessions(5_000));
        Assert.Equal(4_999, BgpPeering.Mesh.PeersPerNode(5_000));
        Assert.Equal(1 + (2 * 4_998), BgpPeering.Reflected(2).Sessions(5_000)); // the reflectors' own session and 2 per client
        Assert.Equal(2, BgpPeering.Reflected(2).PeersPerNode(5_000));
    }

    [Theory]
    [InlineData(12, 0)]
    [InlineData(12, 1)]
    [InlineData(12, 3)]
    public void The_speakers_establish_as_many_sessions_as_the_peering_counts(int n, int reflectors)
    {
        var topology = reflectors == 0 ? BgpTopology.FullMesh : BgpTopology.RouteReflectors;
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = n, Seed = 1 }, new CalicoRouted(ipip: false, CalicoRouting.Bgp));
        var plane = new BgpControlPlane(cluster, topology, reflectors: Math.Max(1, reflectors));
        cluster.Bed.Sim.RunUntil(Settled);
        Assert.Equal(plane.Peering.Sessions(n), plane.EstablishedSessions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Routes_learnt_through_three_reflectors_are_the_routes_a_static_build_installs(bool ipip)
    {
        // A reflector passes a client's route on with its NEXT_HOP unchanged (RFC 4456), so every node routes each
        // block straight to the node that holds it, as the converged mesh and the static build do.
        const int n = 10;
        var learnt = new KubernetesCluster(new ClusterOptions { Nodes = n, Seed = 1 }, new CalicoRouted(ipip, CalicoRouting.Bgp));
        _ = new BgpControlPlane(learnt, BgpTopology.RouteReflectors, reflectors: 3);
        learnt.Bed.Sim.RunUntil(Settled);
        var built = new KubernetesCluster(new ClusterOptions { Nodes = n, Seed = 1 }, new CalicoRouted(ipip));

        foreach (var node in built.Nodes)
        {
            foreach (var other in built.Nodes.Where(o => o != node))
            {
                var expected = node.Root.Fib.Find(CalicoRouted.Block(other))!;
                var got = learnt.Node(node.Index).Root.Fib.Find(CalicoRouted.Block(other));
                Assert.NotNull(got);
                Assert.Equal(expected.NextHops, got.NextHops);
            }
        }
    }
}
