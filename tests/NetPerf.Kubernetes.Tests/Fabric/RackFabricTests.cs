using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Fabric;

/// <summary>How racks are numbered and cabled, and which plugins refuse them.</summary>
public class RackFabricTests
{
    [Fact]
    public void One_rack_keeps_the_single_switch_and_its_addresses()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, new FlannelVxlan());
        Assert.Null(cluster.Fabric);
        Assert.Equal(Ipv4Address.Parse("192.168.0.3"), cluster.Node(3).Ip);
        Assert.Equal(Ipv4Prefix.Parse("192.168.0.0/20"), cluster.Node(3).Subnet);
        Assert.Equal(Ipv4Address.Parse("192.168.15.254"), cluster.Node(3).Gateway);
    }

    [Fact]
    public void Nodes_are_dealt_to_racks_round_robin_each_rack_its_own_subnet_behind_its_ToR()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 5, Racks = 2 }, new FlannelVxlan());
        Assert.Equal([1, 2, 1, 2, 1], cluster.Nodes.Select(n => n.Rack));
        Assert.Equal(["192.168.1.1", "192.168.2.1", "192.168.1.2", "192.168.2.2", "192.168.1.3"], cluster.Nodes.Select(n => n.Ip.ToString()));
        Assert.Equal(Ipv4Prefix.Parse("192.168.2.0/24"), cluster.Node(4).Subnet);
        Assert.Equal(Ipv4Address.Parse("192.168.2.254"), cluster.Node(4).Gateway);
        Assert.Equal(Ipv4Address.Parse("192.168.2.254"), cluster.Node(4).Root.Fib.Find(Ipv4Prefix.Parse("0.0.0.0/0"))!.NextHops[0].Gateway);
        Assert.Equal(Ipv4Prefix.Parse("10.244.4.0/24"), cluster.Node(4).PodCidr); // pod CIDRs follow the node number, racks or not
        Assert.Equal(6, cluster.AddNode().Index);
        Assert.Equal(Ipv4Address.Parse("192.168.2.3"), cluster.Node(6).Ip);
    }

    [Fact]
    public void Racks_hold_253_nodes_each_and_there_are_at_most_14()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KubernetesCluster(new ClusterOptions { Nodes = 507, Racks = 2 }, new FlannelVxlan()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KubernetesCluster(new ClusterOptions { Nodes = 3, Racks = 15 }, new FlannelVxlan()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KubernetesCluster(new ClusterOptions { Nodes = 3, Racks = 0 }, new FlannelVxlan()));
    }

    [Fact]
    public void Flannel_host_gw_refuses_nodes_on_two_racks_naming_the_subnets_and_the_alternatives()
    {
        var e = Assert.Throws<NotSupportedException>(() => new KubernetesCluster(new ClusterOptions { Nodes = 3, Racks = 2 }, new FlannelHostGw()));
        Assert.Contains("flannel-host-gw needs every node on one L2 segment", e.Message, StringComparison.Ordinal);
        Assert.Contains("192.168.1.0/24: node1, node3; 192.168.2.0/24: node2", e.Message, StringComparison.Ordinal);
        Assert.Contains("flannel-vxlan", e.Message, StringComparison.Ordinal);
        Assert.Contains("calico-ipip-crosssubnet", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flannel_host_gw_refuses_a_node_that_joins_on_another_rack()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 1, Racks = 2 }, new FlannelHostGw());
        Assert.Throws<NotSupportedException>(() => cluster.AddNode());
    }

    [Fact]
    public void Unencapsulated_calico_learned_over_BGP_across_racks_is_refused_for_want_of_ToR_speakers()
    {
        var e = Assert.Throws<NotSupportedException>(() =>
            new KubernetesCluster(new ClusterOptions { Nodes = 2, Racks = 2 }, new CalicoRouted(ipip: false, CalicoRouting.Bgp)));
        Assert.Contains("top-of-rack routers would have to peer over BGP", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calico_vxlan_routes_are_felixs_not_birds()
    {
        Assert.Throws<ArgumentException>(() => new CalicoRouted(CalicoEncapsulation.Vxlan, routing: CalicoRouting.Bgp));
    }

    [Fact]
    public void An_external_host_on_the_spine_reaches_a_node_on_rack_2_and_back()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Racks = 2 }, CniPlugin.ByName("calico-bgp"));
        var outside = cluster.AddExternalHost("client");
        Assert.Equal(Ipv4Address.Parse("192.168.15.1"), outside.Root.Devices.First(d => d.Name == "eth0").PrimaryAddress);
        var sink = new TcpCounter();
        _ = new TcpListener(cluster.Node(2).Root, 5001, sink);
        _ = TcpSocket.Connect(outside.Root, cluster.Node(2).Ip, 5001, new TcpWriter(100_000));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));
        Assert.Equal(100_000, sink.Received);
        Assert.Equal([Ipv4Address.Parse("192.168.15.1")], sink.Peers);
    }
}
