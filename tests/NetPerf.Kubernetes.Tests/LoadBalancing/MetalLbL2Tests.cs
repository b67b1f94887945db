using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.LoadBalancing;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.LoadBalancing;

/// <summary>
/// A LoadBalancer IP (192.168.15.200, from the nodes' own subnet) delivered to one node by MetalLB's layer-2
/// speaker, and served there by kube-proxy's rules for the LoadBalancer IP in each mode.
/// </summary>
public class MetalLbL2Tests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("192.168.15.200");

    private static Service WebService(ExternalTrafficPolicy policy, IpProtocol protocol = IpProtocol.Tcp) =>
        new("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, protocol, Web) { NodePort = 30080, LoadBalancerIp = Vip, ExternalTrafficPolicy = policy };

    private static MacAddress? WhoAnswersArp(Network.Topology.Host outside, Ipv4Address ip) =>
        outside.Root.Devices.OfType<PhysicalNic>().Single().ResolveOnLink(ip);

    [Fact]
    public void The_elected_node_answers_ARP_for_the_IP_and_its_KUBE_SERVICES_rule_for_the_LoadBalancer_IP_DNATs_it()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, Costs = CostTable.Uniform(StageCost.Nanoseconds(100)) }, CniPlugin.ByName("calico-bgp"));
        var echo = new UdpEcho();
        var pod = cluster.AddPod("web-1", 1, Web);
        _ = new UdpSocket(pod.Namespace, pod.Ip, 8080) { Receiver = echo };
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(WebService(ExternalTrafficPolicy.Cluster, IpProtocol.Udp));
        Assert.Equal(2, proxy.ServiceRules); // in KUBE-SERVICES: the cluster IP's rule and the LoadBalancer IP's
        var speaker = new MetalLbL2(cluster).Announce(WebService(ExternalTrafficPolicy.Cluster, IpProtocol.Udp));
        var outside = cluster.AddExternalHost("client");
        Assert.Equal(speaker.Eth0.Mac, WhoAnswersArp(outside, Vip)); // one node only, not the others
        var trace = new RecordingTracer();
        foreach (var node in cluster.Nodes)
        {
            node.Host.Tracer = trace;
        }

        var answers = new UdpSources();
        var client = new UdpSocket(outside.Root, Ipv4Address.Parse("192.168.15.1"), 40000) { Receiver = answers };
        client.Send(Vip, 80, 100);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));

        Assert.Equal("node3", speaker.Name); // first by SHA-256("node3#192.168.15.200")
        Assert.Equal((speaker.Ip, (ushort)40000), Assert.Single(echo.From)); // Cluster: masqueraded to node3
        Assert.Equal((Vip, (ushort)80), Assert.Single(answers.From));
        Assert.Empty(trace.Drops);
        string[] atSpeaker =
        [
            "node3/root/eth0 NicReceive", "node3/root/eth0 IpInput", "node3/root/eth0 NetfilterHook", "node3/root/eth0 ConntrackLookup", "node3/root/eth0 ConntrackNew",
            // nat PREROUTING -> KUBE-SERVICES: the cluster IP's rule, then the LoadBalancer IP's -> KUBE-EXT (mark) -> KUBE-SVC -> KUBE-SEP: DNAT
            "node3/root/eth0 NftablesRule", "node3/root/eth0 NftablesRule", "node3/root/eth0 NftablesRule",
            "node3/root/eth0 NftablesRule", "node3/root/eth0 NftablesRule",
            "node3/root/eth0 NftablesRule", "node3/root/eth0 NftablesRule", "node3/root/eth0 NftablesRule",
            "node3/root/eth0 NftablesRule", "node3/root/eth0 NftablesRule", "node3/root/eth0 Nat",
            "node3/root/eth0 FibLookup",
        ];
        Assert.Equal(atSpeaker, trace.Stages.Take(atSpeaker.Length));
        int forwarded = trace.Stages.IndexOf("node3/root/eth0 IpForward");
        int atPod = trace.Stages.IndexOf("node1/web-1 UdpInput");
        Assert.True(atSpeaker.Length < forwarded && forwarded < atPod, string.Join("\n", trace.Stages));
        Assert.DoesNotContain(trace.Stages, s => s.StartsWith("node2/", StringComparison.Ordinal));
    }

    [Fact]
    public void With_Local_only_a_node_with_an_endpoint_is_elected_and_the_pod_sees_the_client()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("flannel-vxlan"));
        var pod = cluster.AddPod("web-1", 1, Web);
        var counter = new TcpCounter();
        _ = new TcpListener(pod.Namespace, 8080, counter);
        var proxy = new KubeProxyIptables(cluster);
        var web = WebService(ExternalTrafficPolicy.Local);
        proxy.Add(web);
        Assert.Equal(cluster.Node(1), new MetalLbL2(cluster).Announce(web)); // node3 would win the hash, but has no endpoint
        var outside = cluster.AddExternalHost("client");
        var sockets = Enumerable.Range(0, 5).Select(_ => TcpSocket.Connect(outside.Root, Vip, 80, new TcpWriter(1000))).ToList();
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(5_000, counter.Received);
        Assert.Equal([Ipv4Address.Parse("192.168.15.1")], counter.Peers.Distinct());
        Assert.All(sockets, s => Assert.Equal(0, s.Statistics.ForeignSegments));
    }

    [Fact]
    public void In_IPVS_mode_the_IP_is_on_every_nodes_kube_ipvs0_and_strictARP_leaves_the_answer_to_the_speaker()
    {
        (KubernetesCluster, MacAddress?, TcpCounter) Run(bool strictArp)
        {
            var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
            var pod = cluster.AddPod("web-1", 3, Web);
            var counter = new TcpCounter();
            _ = new TcpListener(pod.Namespace, 8080, counter);
            var proxy = new KubeProxyIpvs(cluster, strictArp: strictArp);
            var web = WebService(ExternalTrafficPolicy.Local);
            proxy.Add(web);
            Assert.All(cluster.Nodes, n => Assert.IsType<DummyDevice>(n.Root.OwnerOf(Vip)));
            _ = new MetalLbL2(cluster).Announce(web);
            var outside = cluster.AddExternalHost("client");
            var mac = WhoAnswersArp(outside, Vip);
            _ = TcpSocket.Connect(outside.Root, Vip, 80, new TcpWriter(1000));
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));
            return (cluster, mac, counter);
        }

        var (strict, mac, served) = Run(strictArp: true);
        Assert.Equal(strict.Node(3).Eth0.Mac, mac);
        Assert.Equal(1000, served.Received);
        Assert.Equal([Ipv4Address.Parse("192.168.15.1")], served.Peers); // Local: no SNAT

        // arp_ignore 0: every node answers for its kube-ipvs0 addresses; the first port's, node1, wins the race,
        // and node1 has no local endpoint in its virtual service.
        var (loose, looseMac, unserved) = Run(strictArp: false);
        Assert.Equal(loose.Node(1).Eth0.Mac, looseMac);
        Assert.Equal(0, unserved.Received);
    }

    [Fact]
    public void In_nftables_mode_the_IP_is_one_more_element_of_the_service_map_and_is_masqueraded()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
        var pod = cluster.AddPod("web-1", 3, Web);
        var counter = new TcpCounter();
        _ = new TcpListener(pod.Namespace, 8080, counter);
        var proxy = new KubeProxyNftables(cluster);
        var web = WebService(ExternalTrafficPolicy.Cluster);
        proxy.Add(web);
        var speaker = new MetalLbL2(cluster).Announce(web);
        var outside = cluster.AddExternalHost("client");
        var socket = TcpSocket.Connect(outside.Root, Vip, 80, new TcpWriter(1000));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(1000, counter.Received);
        Assert.Equal([speaker.Ip], counter.Peers);
        Assert.Equal(0, socket.Statistics.ForeignSegments);
        Assert.Throws<NotSupportedException>(() => proxy.Add(WebService(ExternalTrafficPolicy.Local) with { Name = "local", LoadBalancerIp = Ipv4Address.Parse("192.168.15.201") }));
    }
}
