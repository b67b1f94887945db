using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>
/// NodePorts in every kube-proxy mode: an outside client on the switch dials NODE-IP:30080; the only web pod is
/// on node2. With externalTrafficPolicy Cluster any node forwards and masquerades the client to itself; with
/// Local only node2 serves, keeping the client's address.
/// </summary>
public class NodePortTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private const ushort NodePort = 30080;

    private static Action<Service> Proxy(string mode, KubernetesCluster cluster) => mode switch
    {
        "iptables" => new KubeProxyIptables(cluster).Add,
        "ipvs" => new KubeProxyIpvs(cluster).Add,
        _ => new KubeProxyNftables(cluster).Add,
    };

    private sealed record Setup(KubernetesCluster Cluster, Pod Server, Network.Topology.Host Outside);

    private static Setup Build(string mode, ExternalTrafficPolicy policy, string cni = "calico-bgp", int otherNodePorts = 0)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName(cni));
        var server = cluster.AddPod("web-1", 2, Web);
        var add = Proxy(mode, cluster);
        for (int i = 0; i < otherNodePorts; i++)
        {
            add(new Service($"other-{i}", Ipv4Address.Parse($"10.97.{i / 250}.{(i % 250) + 1}"), 80, 8080, IpProtocol.Tcp, Web) { NodePort = (ushort)(31000 + i) });
        }

        add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web) { NodePort = NodePort, ExternalTrafficPolicy = policy });
        return new Setup(cluster, server, cluster.AddExternalHost("client"));
    }

    private static Ipv4Address AddressOf(Network.Topology.Host host) => host.Root.Devices.OfType<PhysicalNic>().Single().PrimaryAddress!.Value;

    [Theory]
    [InlineData("ipvs", "calico-bgp", "192.168.0.1")] // MASQUERADE takes the egress device's address: eth0
    [InlineData("ipvs", "flannel-vxlan", "10.244.1.0")] // flannel.1's
    [InlineData("ipvs", "calico-ipip", "10.244.1.0")] // tunl0's
    [InlineData("nftables", "calico-bgp", "192.168.0.1")]
    [InlineData("nftables", "flannel-host-gw", "192.168.0.1")]
    [InlineData("nftables", "flannel-vxlan", "10.244.1.0")]
    public void A_Cluster_NodePort_reaches_an_endpoint_on_another_node_which_sees_the_node_and_replies_come_back_un_NATed(string mode, string cni, string seenFrom)
    {
        var s = Build(mode, ExternalTrafficPolicy.Cluster, cni);
        var server = new TcpCounter();
        _ = new TcpListener(s.Server.Namespace, 8080, server);
        var client = TcpSocket.Connect(s.Outside.Root, s.Cluster.Node(1).Ip, NodePort, new TcpWriter(1000));
        s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200));

        Assert.Equal(1000, server.Received);
        Assert.Equal(Ipv4Address.Parse(seenFrom), server.Peers.Single());
        Assert.Equal(0, client.Statistics.ForeignSegments); // every reply came from 192.168.0.1:30080, the address dialled
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void A_UDP_reply_through_a_Cluster_NodePort_comes_back_from_the_node_address_and_port_dialled(string mode)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("flannel-vxlan"));
        var pod = cluster.AddPod("web-1", 2, Web);
        var echo = new UdpEcho();
        _ = new UdpSocket(pod.Namespace, pod.Ip, 8080) { Receiver = echo };
        Proxy(mode, cluster)(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Udp, Web) { NodePort = NodePort });
        var outside = cluster.AddExternalHost("client");
        var answers = new UdpSources();
        var socket = new UdpSocket(outside.Root, AddressOf(outside), 40000) { Receiver = answers };
        socket.Send(cluster.Node(1).Ip, NodePort, 100);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));

        Assert.Equal((Ipv4Address.Parse("10.244.1.0"), (ushort)40000), echo.From.Single()); // masqueraded to node1's flannel.1
        Assert.Equal((cluster.Node(1).Ip, NodePort), answers.From.Single());
    }

    [Theory]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void A_Local_NodePort_keeps_the_client_address_on_a_node_with_an_endpoint_and_drops_on_one_without(string mode)
    {
        var served = Build(mode, ExternalTrafficPolicy.Local);
        var server = new TcpCounter();
        _ = new TcpListener(served.Server.Namespace, 8080, server);
        var client = TcpSocket.Connect(served.Outside.Root, served.Cluster.Node(2).Ip, NodePort, new TcpWriter(1000));
        served.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200));
        Assert.Equal(1000, server.Received);
        Assert.Equal(AddressOf(served.Outside), server.Peers.Single()); // no SNAT
        Assert.Equal(0, client.Statistics.ForeignSegments);

        var refused = Build(mode, ExternalTrafficPolicy.Local);
        var nobody = new TcpCounter();
        _ = new TcpListener(refused.Server.Namespace, 8080, nobody);
        var stuck = TcpSocket.Connect(refused.Outside.Root, refused.Cluster.Node(1).Ip, NodePort, new TcpWriter(1000));
        refused.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200));
        Assert.Equal(0, nobody.Connections);
        if (mode == "ipvs")
        {
            // IPVS's virtual server has no real server on node1: the SYN goes on to the node's own stack, where
            // nothing listens on the port, and connect() is refused. (The kernel's ip_vs_leave answers with ICMP
            // port unreachable, which a connecting socket takes as ECONNREFUSED too; here it is the stack's RST.)
            Assert.Equal(TcpError.Refused, stuck.Error);
        }
        else
        {
            Assert.Equal(TcpState.SynSent, stuck.State); // node1 has no endpoint: KUBE-SVL's drop, its SYNs go nowhere
        }
    }

    [Theory]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void A_NodePort_connections_rule_walk_does_not_grow_with_the_number_of_NodePorts(string mode)
    {
        // iptables mode walks every ClusterIP rule, then KUBE-NODEPORTS one rule per NodePort; IPVS matches the
        // port in a bitmap:port ipset and nftables looks it up in a map.
        long Rules(int others)
        {
            var s = Build(mode, ExternalTrafficPolicy.Cluster, otherNodePorts: others);
            _ = new TcpListener(s.Server.Namespace, 8080, new TcpCounter());
            _ = TcpSocket.Connect(s.Outside.Root, s.Cluster.Node(1).Ip, NodePort, new TcpWriter(100));
            s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
            return s.Cluster.Node(1).Root.Netfilter!.RulesEvaluated;
        }

        Assert.Equal(Rules(10), Rules(1000));
    }
}
