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

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    [InlineData("weave")]
    public void A_pod_to_another_nodes_own_address_leaves_the_pod_network_too_and_is_masqueraded(string cni)
    {
        // flannel's -s 10.244.0.0/16 ! -d 224.0.0.0/4 MASQUERADE and felix's "src in a pool, dst in none" both
        // match a node's address: a hostNetwork server on node 1 sees the client pod's node, not the pod.
        var plugin = CniPlugin.ByName(cni);
        plugin.MasqueradeOutgoing = true;
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, plugin);
        var pod = cluster.AddPod("client", 2);
        var onNode = new TcpCounter();
        _ = new TcpListener(cluster.Node(1).Root, 9000, onNode);

        var socket = TcpSocket.Connect(pod.Namespace, cluster.Node(1).Ip, 9000, new TcpWriter(10_000));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(10_000, onNode.Received);
        Assert.Equal([cluster.Node(2).Ip], onNode.Peers);
        Assert.Equal(0, socket.Statistics.ForeignSegments); // the replies un-NATed back to the pod on node 2
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
