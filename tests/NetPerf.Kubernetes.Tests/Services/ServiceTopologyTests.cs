using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>
/// Zone- and node-aware Service routing as kube-proxy v1.34 does it (pkg/proxy/topology.go), in every mode: four
/// nodes, node1 and node2 in zone-a, node3 and node4 in zone-b; a client pod on node1 opens connections to the
/// Service's ClusterIP and each web pod counts what reaches it.
/// </summary>
public class ServiceTopologyTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address ClusterIp = Ipv4Address.Parse("10.96.0.10");

    private static Action<Service> Proxy(string mode, KubernetesCluster cluster) => mode switch
    {
        "iptables" => new KubeProxyIptables(cluster).Add,
        "ipvs" => new KubeProxyIpvs(cluster).Add,
        _ => new KubeProxyNftables(cluster).Add,
    };

    private sealed record Setup(KubernetesCluster Cluster, Pod Client, Dictionary<int, TcpCounter> ByNode);

    private static Setup Build(string mode, Service service, params int[] webNodes)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 4 }, CniPlugin.ByName("calico-bgp"));
        foreach (var node in cluster.Nodes)
        {
            node.Zone = node.Index <= 2 ? "zone-a" : "zone-b";
        }

        var client = cluster.AddPod("client", 1);
        var byNode = new Dictionary<int, TcpCounter>();
        foreach (int n in webNodes)
        {
            var pod = cluster.AddPod($"web-{n}", n, Web);
            byNode[n] = new TcpCounter();
            _ = new TcpListener(pod.Namespace, 8080, byNode[n]);
        }

        Proxy(mode, cluster)(service);
        return new Setup(cluster, client, byNode);
    }

    private static Service WebService(InternalTrafficPolicy itp = InternalTrafficPolicy.Cluster, TrafficDistribution td = TrafficDistribution.Default) =>
        new("web", ClusterIp, 80, 8080, IpProtocol.Tcp, Web) { InternalTrafficPolicy = itp, TrafficDistribution = td };

    private static List<TcpSocket> Connect(Setup s, Pod from, int connections)
    {
        var sockets = Enumerable.Range(0, connections).Select(_ => TcpSocket.Connect(from.Namespace, ClusterIp, 80, new TcpWriter(100))).ToList();
        s.Cluster.Bed.Sim.RunUntil(s.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(200));
        return sockets;
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void PreferClose_keeps_every_connection_in_the_clients_zone_when_that_zone_has_an_endpoint(string mode)
    {
        var s = Build(mode, WebService(td: TrafficDistribution.PreferClose), 2, 3, 4);
        Connect(s, s.Client, 30);

        Assert.Equal(30, s.ByNode[2].Connections); // node2 is zone-a's only endpoint
        Assert.Equal(0, s.ByNode[3].Connections + s.ByNode[4].Connections);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void PreferClose_falls_back_to_every_endpoint_when_the_clients_zone_has_none(string mode)
    {
        var s = Build(mode, WebService(td: TrafficDistribution.PreferClose), 3, 4);
        Connect(s, s.Client, 30);

        Assert.Equal(30, s.ByNode[3].Connections + s.ByNode[4].Connections); // none dropped: zone-b's endpoints serve zone-a
        Assert.True(s.ByNode[3].Connections > 0 && s.ByNode[4].Connections > 0);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void Without_a_trafficDistribution_connections_cross_zones(string mode)
    {
        var s = Build(mode, WebService(), 2, 3, 4);
        Connect(s, s.Client, 30);

        Assert.True(s.ByNode[3].Connections + s.ByNode[4].Connections > 0);
        Assert.Equal(30, s.ByNode.Values.Sum(c => c.Connections));
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void PreferSameNode_keeps_connections_on_the_clients_node_and_otherwise_in_its_zone(string mode)
    {
        var s = Build(mode, WebService(td: TrafficDistribution.PreferSameNode), 2, 3, 4);
        var onNode3 = s.Cluster.AddPod("client-3", 3);
        Connect(s, onNode3, 10);
        Connect(s, s.Client, 10);

        Assert.Equal(10, s.ByNode[3].Connections); // node3's own endpoint
        Assert.Equal(10, s.ByNode[2].Connections); // node1 has none: its zone's
        Assert.Equal(0, s.ByNode[4].Connections);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void Local_internal_traffic_policy_uses_only_the_clients_node(string mode)
    {
        var s = Build(mode, WebService(itp: InternalTrafficPolicy.Local), 2, 3, 4);
        var onNode2 = s.Cluster.AddPod("client-2", 2);
        Connect(s, onNode2, 20);

        Assert.Equal(20, s.ByNode[2].Connections);
        Assert.Equal(0, s.ByNode[3].Connections + s.ByNode[4].Connections);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    public void Local_internal_traffic_policy_drops_on_a_node_without_an_endpoint(string mode)
    {
        var s = Build(mode, WebService(itp: InternalTrafficPolicy.Local), 2, 3, 4);
        var sockets = Connect(s, s.Client, 5);

        // kube-proxy's "has no local endpoints" DROP: the SYNs go nowhere, though three pods serve elsewhere.
        Assert.Equal(0, s.ByNode.Values.Sum(c => c.Connections));
        Assert.All(sockets, socket => Assert.Equal(TcpState.SynSent, socket.State));
    }

    [Fact]
    public void Local_internal_traffic_policy_in_IPVS_mode_refuses_a_burst_on_a_node_without_an_endpoint_and_drops_the_rest()
    {
        var s = Build("ipvs", WebService(itp: InternalTrafficPolicy.Local), 2, 3, 4);
        var sockets = Connect(s, s.Client, 8);

        // The node's virtual server has no real server: ip_vs_leave drops each SYN and sends ICMP port unreachable
        // (ECONNREFUSED in SYN_SENT, tcp_v4_err), 6 to one peer at once (icmpv4_xrlim_allow's burst); the other SYNs
        // are dropped silently and wait in SYN_SENT for their resend.
        Assert.Equal(0, s.ByNode.Values.Sum(c => c.Connections));
        Assert.Equal(6, sockets.Count(socket => socket.Error == TcpError.Refused && socket.Statistics.PortUnreachablesReceived == 1));
        Assert.Equal(2, sockets.Count(socket => socket.State == TcpState.SynSent));
        Assert.All(sockets, socket => Assert.Equal(0, socket.Statistics.ResetsReceived));
        Assert.Equal(8, s.Cluster.Node(1).Host.Drops(Network.Stack.DropReason.IpvsNoDestination));
    }

    /// <summary>
    /// kube-proxy's KUBE-EXT chain for externalTrafficPolicy Cluster jumps to the cluster policy chain, whose
    /// endpoints CategorizeEndpoints has filtered by the hints: a NodePort connection entering a zone-a node stays
    /// in zone-a, as a pod's would. internalTrafficPolicy Local restricts only cluster traffic: the NodePort
    /// still reaches every endpoint.
    /// </summary>
    [Theory]
    [InlineData("iptables", TrafficDistribution.PreferClose, InternalTrafficPolicy.Cluster, 30, 0)]
    [InlineData("ipvs", TrafficDistribution.PreferClose, InternalTrafficPolicy.Cluster, 30, 0)]
    [InlineData("nftables", TrafficDistribution.PreferClose, InternalTrafficPolicy.Cluster, 30, 0)]
    [InlineData("iptables", TrafficDistribution.Default, InternalTrafficPolicy.Local, -1, -1)]
    [InlineData("nftables", TrafficDistribution.Default, InternalTrafficPolicy.Local, -1, -1)]
    public void NodePort_traffic_follows_the_trafficDistribution_and_not_the_internalTrafficPolicy(string mode, TrafficDistribution td, InternalTrafficPolicy itp, int onNode2, int inZoneB)
    {
        var service = new Service("web", ClusterIp, 80, 8080, IpProtocol.Tcp, Web) { InternalTrafficPolicy = itp, TrafficDistribution = td, NodePort = 30080 };
        var s = Build(mode, service, 2, 3, 4);
        var outside = s.Cluster.AddExternalHost("outside");
        for (int i = 0; i < 30; i++)
        {
            _ = TcpSocket.Connect(outside.Root, s.Cluster.Node(1).Ip, 30080, new TcpWriter(100));
        }

        s.Cluster.Bed.Sim.RunUntil(s.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(200));

        Assert.Equal(30, s.ByNode.Values.Sum(c => c.Connections));
        if (onNode2 >= 0)
        {
            Assert.Equal(onNode2, s.ByNode[2].Connections); // node1's zone's only endpoint
            Assert.Equal(inZoneB, s.ByNode[3].Connections + s.ByNode[4].Connections);
        }
        else
        {
            Assert.True(s.ByNode[3].Connections + s.ByNode[4].Connections > 0); // node1 has no endpoint, yet none is dropped
        }
    }

    [Fact]
    public void Hints_are_ignored_when_the_clients_node_has_no_zone_label()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
        cluster.Node(2).Zone = "zone-a";
        cluster.Node(3).Zone = "zone-b";
        var pods = new[] { cluster.AddPod("web-2", 2, Web), cluster.AddPod("web-3", 3, Web) };
        var service = WebService(td: TrafficDistribution.PreferClose);

        Assert.Equal(pods, ServiceTopology.InternalEndpoints(service, pods, cluster.Node(1)));
        Assert.Equal([pods[1]], ServiceTopology.InternalEndpoints(service, pods, cluster.Node(3)));
        Assert.Contains("no topology.kubernetes.io/zone label", ServiceTopology.Describe(service, pods, cluster.Node(1)), StringComparison.Ordinal);
    }
}
