using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Bgp;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Routing;

namespace NetPerf.Kubernetes.Tests.Bgp;

/// <summary>
/// Calico's node-to-node mesh across routed racks with IP-in-IP CrossSubnet, the usual way to run Calico over
/// an L3 fabric: the sessions are routed through the ToRs, and BIRD's export filter tunnels only the blocks whose
/// next hop is off the node's subnet.
/// </summary>
public class BgpAcrossRacksTests
{
    [Fact]
    public void A_full_mesh_across_racks_tunnels_only_to_the_other_rack()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, Racks = 2 },
            new CalicoRouted(CalicoEncapsulation.Ipip, CalicoEncapsulationMode.CrossSubnet, CalicoRouting.Bgp));
        var plane = new BgpControlPlane(cluster);
        cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(3));
        Assert.Equal(3, plane.EstablishedSessions);

        var node1 = cluster.Node(1);
        var otherRack = node1.Root.Fib.Find(CalicoRouted.Block(cluster.Node(2)))!; // via 192.168.2.1 dev tunl0 onlink proto bird
        Assert.Equal(RouteProtocol.Bird, otherRack.Protocol);
        Assert.Equal("tunl0", node1.Root.Device(otherRack.NextHops[0].Interface).Name);
        Assert.Equal(cluster.Node(2).Ip, otherRack.NextHops[0].Gateway);
        var sameRack = node1.Root.Fib.Find(CalicoRouted.Block(cluster.Node(3)))!; // via 192.168.1.2 dev eth0 proto bird
        Assert.Equal("eth0", node1.Root.Device(sameRack.NextHops[0].Interface).Name);

        var client = cluster.AddPod("client", 1);
        Assert.Equal(10_000, BgpTestCluster.TcpBytes(cluster, client, cluster.AddPod("far", 2), 5001));
        Assert.Equal(10_000, BgpTestCluster.TcpBytes(cluster, client, cluster.AddPod("near", 3), 5002));
    }
}
