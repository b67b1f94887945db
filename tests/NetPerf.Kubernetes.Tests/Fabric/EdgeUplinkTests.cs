using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Fabric;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Fabric;

/// <summary>
/// A host beyond the cluster's edge (198.51.100.10, behind the switch's routed uplink at the nodes' gateway):
/// nothing on its side knows the pod network, so pods reach it only through their node's masquerade, and it
/// reaches the cluster only at the nodes' addresses, through a NodePort.
/// </summary>
public class EdgeUplinkTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private const ushort NodePort = 30080;

    /// <summary>Counts each stage per host.</summary>
    private sealed class StageCounter : IPacketTracer
    {
        public Dictionary<(string Host, KernelStage Stage), int> Counts { get; } = [];

        public int Of(string host, KernelStage stage) => Counts.GetValueOrDefault((host, stage));

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds) =>
            Counts[(ns.Host.Name, stage)] = Of(ns.Host.Name, stage) + 1;

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }

    private static StageCounter Trace(KubernetesCluster cluster, Host remote)
    {
        var counter = new StageCounter();
        foreach (var host in cluster.Nodes.Select(n => n.Host).Append(remote))
        {
            host.Tracer = counter;
        }

        return counter;
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    [InlineData("weave")]
    public void A_pod_reaches_the_remote_host_as_its_node_and_each_packet_is_rewritten_once_on_the_node_each_way(string cni)
    {
        var plugin = CniPlugin.ByName(cni);
        plugin.MasqueradeOutgoing = true;
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, plugin);
        var pod = cluster.AddPod("client", 2);
        var remote = cluster.AddRemoteHost("remote");
        var echo = new UdpEcho();
        _ = new UdpSocket(remote.Root, EdgeUplink.RemoteAddress, 7) { Receiver = echo };
        var answers = new UdpSources();
        var client = new UdpSocket(pod.Namespace, pod.Ip, 40000) { Receiver = answers };
        var trace = Trace(cluster, remote);
        const int datagrams = 5;
        for (int i = 0; i < datagrams; i++)
        {
            client.Send(EdgeUplink.RemoteAddress, 7, 100);
        }

        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));

        // The route out is the node's default, via the edge at 192.168.15.254.
        Assert.Equal(cluster.Gateway, cluster.Node(2).Root.Fib.Lookup(EdgeUplink.RemoteAddress)!.NextHops[0].Gateway);
        Assert.All(echo.From, f => Assert.Equal(cluster.Node(2).Ip, f.Address)); // MASQUERADE: eth0's address, the route's device
        Assert.Equal(datagrams, answers.From.Count(f => f == (EdgeUplink.RemoteAddress, (ushort)7)));
        // The masquerade rule is walked once, for the connection's first packet (conntrack keeps the mapping);
        // every packet is then rewritten once on the node: its source on the way out, its destination on the way back.
        Assert.Equal(1, trace.Of("node2", KernelStage.ConntrackNew));
        Assert.Equal(2 * datagrams, trace.Of("node2", KernelStage.Nat));
        Assert.Equal(0, trace.Of("node1", KernelStage.Nat) + trace.Of("remote", KernelStage.Nat));
        var reply = cluster.Node(2).Root.Netfilter!.Conntrack.ReplyOf(new FiveTuple(pod.Ip, EdgeUplink.RemoteAddress, IpProtocol.Udp, 40000, 7), cluster.Bed.Sim.Now.Picoseconds);
        Assert.Equal(cluster.Node(2).Ip, reply!.Value.Destination); // conntrack -L: replies are expected at the node
    }

    [Fact]
    public void Without_the_masquerade_the_reply_dies_at_the_edge_which_knows_no_pod_network()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("calico-bgp"));
        var pod = cluster.AddPod("client", 2);
        var remote = cluster.AddRemoteHost("remote");
        var echo = new UdpEcho();
        _ = new UdpSocket(remote.Root, EdgeUplink.RemoteAddress, 7) { Receiver = echo };
        var answers = new UdpSources();
        var client = new UdpSocket(pod.Namespace, pod.Ip, 40000) { Receiver = answers };
        client.Send(EdgeUplink.RemoteAddress, 7, 100);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));

        Assert.Equal(pod.Ip, echo.From.Single().Address);
        Assert.Empty(answers.From);
        Assert.Equal(0, remote.Drops(DropReason.NoRoute)); // the remote host routes everything to its gateway ...
        Assert.Equal(1, cluster.Switch.Host.Drops(DropReason.NoRoute)); // ... which has no route to 10.244.2.2
    }

    private sealed record NodePortSetup(KubernetesCluster Cluster, Pod Server, Host Remote, TcpCounter Served);

    private static NodePortSetup Build(string cni, ExternalTrafficPolicy policy)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName(cni));
        var server = cluster.AddPod("web-1", 2, Web);
        new KubeProxyIptables(cluster).Add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web) { NodePort = NodePort, ExternalTrafficPolicy = policy });
        var served = new TcpCounter();
        _ = new TcpListener(server.Namespace, 8080, served);
        return new NodePortSetup(cluster, server, cluster.AddRemoteHost("remote"), served);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("calico-bgp")]
    public void A_Local_NodePort_keeps_the_remote_address_and_only_nodes_with_an_endpoint_answer(string cni)
    {
        var s = Build(cni, ExternalTrafficPolicy.Local);
        var trace = Trace(s.Cluster, s.Remote);
        var client = TcpSocket.Connect(s.Remote.Root, s.Cluster.Node(2).Ip, NodePort, new TcpWriter(1000));
        s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200));
        Assert.Equal(1000, s.Served.Received);
        Assert.Equal(EdgeUplink.RemoteAddress, s.Served.Peers.Single()); // no SNAT: the pod sees the client
        Assert.Equal(0, client.Statistics.ForeignSegments); // replies un-DNATed to node2:30080 on node2, and routed out by its default route
        Assert.Equal(0, trace.Of("node1", KernelStage.Nat) + trace.Of("node3", KernelStage.Nat)); // one node on the path

        var elsewhere = Build(cni, ExternalTrafficPolicy.Local);
        var stuck = TcpSocket.Connect(elsewhere.Remote.Root, elsewhere.Cluster.Node(1).Ip, NodePort, new TcpWriter(1000));
        elsewhere.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200));
        Assert.Equal(0, elsewhere.Served.Connections);
        Assert.Equal(TcpState.SynSent, stuck.State); // node1 has no local endpoint: KUBE-EXTERNAL-SERVICES drops the SYNs
        Assert.True(elsewhere.Cluster.Node(1).Host.Drops(DropReason.Netfilter) >= 1);
    }

    [Theory]
    [InlineData("flannel-vxlan", "10.244.1.0")] // MASQUERADE takes the egress device's address: flannel.1's
    [InlineData("calico-bgp", "192.168.0.1")] // eth0's
    public void A_Cluster_NodePort_on_a_node_without_an_endpoint_forwards_and_masquerades_the_remote_client(string cni, string seenFrom)
    {
        var s = Build(cni, ExternalTrafficPolicy.Cluster);
        var trace = Trace(s.Cluster, s.Remote);
        var client = TcpSocket.Connect(s.Remote.Root, s.Cluster.Node(1).Ip, NodePort, new TcpWriter(1000));
        s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200));

        Assert.Equal(1000, s.Served.Received);
        Assert.Equal(Ipv4Address.Parse(seenFrom), s.Served.Peers.Single()); // the client's address is lost
        Assert.Equal(0, client.Statistics.ForeignSegments);
        Assert.True(trace.Of("node1", KernelStage.Nat) > 0); // node1 DNATs and SNATs, then hands the packet to node2
        Assert.Equal(0, trace.Of("node2", KernelStage.Nat));
    }
}
