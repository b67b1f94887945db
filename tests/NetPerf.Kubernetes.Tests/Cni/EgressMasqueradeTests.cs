using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>Pod traffic to outside the cluster network leaves with the node's address (flannel --ip-masq, Calico natOutgoing).</summary>
public class EgressMasqueradeTests
{
    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    public void An_outside_host_sees_the_node_address_and_its_replies_are_un_NATed_back_to_the_pod(string cni)
    {
        var plugin = CniPlugin.ByName(cni);
        plugin.MasqueradeOutgoing = true;
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, plugin);
        var pod = cluster.AddPod("client", 2);
        var peer = cluster.AddPod("peer", 1);
        var outside = cluster.AddExternalHost("outside");
        var external = new TcpCounter();
        _ = new TcpListener(outside.Root, 443, external);
        var inCluster = new TcpCounter();
        _ = new TcpListener(peer.Namespace, 8080, inCluster);

        var toOutside = TcpSocket.Connect(pod.Namespace, Ipv4Address.Parse("192.168.15.1"), 443, new TcpWriter(10_000));
        var toPeer = TcpSocket.Connect(pod.Namespace, peer.Ip, 8080, new TcpWriter(100));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(10_000, external.Received);
        Assert.Equal([cluster.Node(2).Ip], external.Peers); // eth0's address: the route outside leaves by eth0
        Assert.Equal(0, toOutside.Statistics.ForeignSegments);
        Assert.Equal([pod.Ip], inCluster.Peers); // inside the pod network nothing is masqueraded
        Assert.Equal(0, toPeer.Statistics.ForeignSegments);
    }

    [Fact]
    public void Without_it_the_outside_host_sees_the_pod_address_and_has_no_route_back()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 1 }, CniPlugin.ByName("calico-bgp"));
        var pod = cluster.AddPod("client", 1);
        var outside = cluster.AddExternalHost("outside");
        var external = new TcpCounter();
        _ = new TcpListener(outside.Root, 443, external);
        var socket = TcpSocket.Connect(pod.Namespace, Ipv4Address.Parse("192.168.15.1"), 443, new TcpWriter(100));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(0, external.Connections);
        Assert.Equal(TcpState.SynSent, socket.State);
        Assert.True(outside.Drops(DropReason.NoRoute) >= 1); // its SYN-ACK to 10.244.1.2
    }
}
