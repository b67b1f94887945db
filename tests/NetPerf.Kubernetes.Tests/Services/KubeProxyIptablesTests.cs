using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

public class KubeProxyIptablesTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };

    /// <summary>A client pod on node1, three web pods (one per node), and <paramref name="otherServices"/> Services before the web one.</summary>
    private static (KubernetesCluster Cluster, KubeProxyIptables Proxy, Pod Client, Dictionary<Pod, Counter> Servers, Service Web) Build(
        string cni, int otherServices = 0, IptablesBackend backend = IptablesBackend.Nft)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, Iptables = backend }, CniPlugin.ByName(cni));
        var client = cluster.AddPod("client", 1);
        var servers = new Dictionary<Pod, Counter>();
        for (int n = 1; n <= 3; n++)
        {
            var pod = cluster.AddPod($"web-{n}", n, Web);
            var counter = new Counter();
            _ = new TcpListener(pod.Namespace, 8080, counter);
            servers[pod] = counter;
        }

        var proxy = new KubeProxyIptables(cluster);
        for (int i = 0; i < otherServices; i++)
        {
            proxy.Add(new Service($"other-{i}", Ipv4Address.Parse($"10.97.{i / 250}.{(i % 250) + 1}"), 80, 8080, IpProtocol.Tcp, Web));
        }

        var web = new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web);
        proxy.Add(web);
        return (cluster, proxy, client, servers, web);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    public void Connections_to_a_ClusterIP_spread_over_its_endpoints_and_replies_come_back_from_the_virtual_IP(string cni)
    {
        var (cluster, _, client, servers, web) = Build(cni);
        var sockets = new List<TcpSocket>();
        for (int i = 0; i < 300; i++)
        {
            sockets.Add(TcpSocket.Connect(client.Namespace, web.ClusterIp, web.Port, new Writer(100)));
        }

        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(50));

        // Each endpoint has probability 1/3 (the rules' 1/3, then 1/2 of the rest, then the rest): 100 +/- 8.2 each.
        Assert.Equal(300 * 100, servers.Values.Sum(c => c.Received));
        Assert.All(servers.Values, c => Assert.InRange(c.Connections, 60, 140));
        Assert.All(sockets, s => Assert.Equal(0, s.Statistics.ForeignSegments)); // conntrack un-NATed every reply
    }

    [Fact]
    public void A_new_connection_walks_every_Service_rule_before_its_own_and_established_packets_do_not()
    {
        long RulesForOneConnection(int others, out long afterMoreData)
        {
            var (cluster, _, client, _, web) = Build("calico-bgp", others);
            var nf = cluster.Node(1).Root.Netfilter!;
            var writer = new Writer(100, keepOpen: true);
            var socket = TcpSocket.Connect(client.Namespace, web.ClusterIp, web.Port, writer);
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
            long rules = nf.RulesEvaluated;
            socket.Send(100_000); // dozens more packets each way on the established connection
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));
            afterMoreData = nf.RulesEvaluated;
            return rules;
        }

        long ten = RulesForOneConnection(10, out long tenLater);
        long thousand = RulesForOneConnection(1000, out long thousandLater);
        Assert.Equal(990, thousand - ten); // linear: one more rule per Service in KUBE-SERVICES

        // Established packets skip the nat table (conntrack has their answer); they meet only the filter table's
        // fixed "--ctstate NEW" jumps, the same few whatever the number of Services.
        Assert.Equal(tenLater - ten, thousandLater - thousand);
        Assert.True(tenLater - ten < 20, $"{tenLater - ten} rules for dozens of established packets");
    }

    [Theory]
    [InlineData("calico-bgp", 1)]
    [InlineData("flannel-vxlan", 3)]
    public void On_iptables_nft_a_new_connection_through_1000_more_Services_walks_the_same_rules_as_on_legacy_and_costs_6_2_ns_more_a_rule(string cni, int newFlows)
    {
        // The rules are the same (kube-proxy writes the same iptables-restore input either way); only the engine
        // walking them differs: nft_do_chain over each rule's nf_tables expressions (13.6 ns a rule here) against
        // x_tables' ipt_do_table (7.4 ns). Each new conntrack entry on node1 walks KUBE-SERVICES once: the pod's
        // connection; on flannel-vxlan also the tunnel's two outer UDP flows (the outer packet is a new packet to
        // netfilter, iptunnel_xmit's skb_scrub_packet: nat OUTPUT going, nat PREROUTING for node2's first reply),
        // and flanneld's masquerade rules are walked too.
        (long Rules, long Cpu, long Received) Connect(IptablesBackend backend, int others)
        {
            var (cluster, _, client, servers, web) = Build(cni, others, backend);
            var node1 = cluster.Node(1);
            Assert.Equal(backend, node1.Root.Netfilter!.Backend);
            _ = TcpSocket.Connect(client.Namespace, web.ClusterIp, web.Port, new Writer(100, keepOpen: true));
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
            var unused = backend == IptablesBackend.Nft ? KernelStage.NetfilterRule : KernelStage.NftablesRule;
            Assert.Equal(0, node1.Host.CpuPicosecondsOf(unused));
            return (node1.Root.Netfilter!.RulesEvaluated, node1.Host.TotalCpuPicoseconds, servers.Values.Sum(c => c.Received));
        }

        var nft = (Few: Connect(IptablesBackend.Nft, 0), Many: Connect(IptablesBackend.Nft, 1000));
        var legacy = (Few: Connect(IptablesBackend.Legacy, 0), Many: Connect(IptablesBackend.Legacy, 1000));
        Assert.All([nft.Few, nft.Many, legacy.Few, legacy.Many], r => Assert.Equal(100, r.Received));
        Assert.Equal(nft.Few.Rules, legacy.Few.Rules);
        Assert.Equal(nft.Many.Rules, legacy.Many.Rules);
        Assert.Equal(newFlows * 1000, nft.Many.Rules - nft.Few.Rules); // one KUBE-SERVICES rule per Service, per new flow

        var costs = CostTable.Default();
        long perRule = costs[KernelStage.NftablesRule].FixedPicoseconds - costs[KernelStage.NetfilterRule].FixedPicoseconds;
        Assert.Equal(6_200, perRule); // 13.6 - 7.4 ns, the two rows of cost-model.csv
        Assert.Equal(newFlows * 1000 * perRule, (nft.Many.Cpu - nft.Few.Cpu) - (legacy.Many.Cpu - legacy.Few.Cpu));
        Assert.Equal(nft.Many.Rules * perRule, nft.Many.Cpu - legacy.Many.Cpu); // nothing else differs
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_same_node_ClusterIP_reply_is_un_NATed_only_with_bridge_nf_call_iptables(bool brNetfilter)
    {
        // Client and server on node1's cni0. The SYN goes up to cni0's address and is DNATed in PREROUTING; the
        // SYN-ACK is bridged straight back to the client, and only br_netfilter makes it meet conntrack there.
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 1 }, CniPlugin.ByName("flannel-vxlan"));
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("web-1", 1, Web);
        var counter = new Counter();
        _ = new TcpListener(server.Namespace, 8080, counter);
        var proxy = new KubeProxyIptables(cluster);
        var web = new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web);
        proxy.Add(web);
        ((FlannelVxlan)cluster.Cni).Cni0(cluster.Node(1)).CallIptables = brNetfilter;

        var socket = TcpSocket.Connect(client.Namespace, web.ClusterIp, web.Port, new Writer(100));
        cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(2));

        if (brNetfilter)
        {
            Assert.Equal(100, counter.Received);
            Assert.Equal(0, socket.Statistics.ForeignSegments);
        }
        else
        {
            // The SYN-ACK arrives from 10.244.1.3, not 10.96.0.10: no socket takes it, and connect() keeps retrying.
            Assert.Equal(0, counter.Received);
            Assert.True(socket.Statistics.ForeignSegments >= 2);
            Assert.Equal(TcpState.SynSent, socket.State);
        }
    }

    /// <summary>An outside client connects to NODE-IP:30080 on <paramref name="viaNode"/>; the only web pod is on node 2.</summary>
    private static (Counter Server, TcpSocket Client, Network.Topology.Host Outside) NodePort(ExternalTrafficPolicy policy, int viaNode, string cni = "calico-bgp")
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName(cni));
        var pod = cluster.AddPod("web-1", 2, Web);
        var server = new Counter();
        _ = new TcpListener(pod.Namespace, 8080, server);
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web) { NodePort = 30080, ExternalTrafficPolicy = policy });
        var outside = cluster.AddExternalHost("client");
        var client = TcpSocket.Connect(outside.Root, cluster.Node(viaNode).Ip, 30080, new Writer(1000));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(500));
        return (server, client, outside);
    }

    [Theory]
    [InlineData("calico-bgp", "192.168.0.1")] // MASQUERADE takes the egress device's address: eth0
    [InlineData("calico-ipip", "10.244.1.0")] // tunl0's, the first of node1's block
    [InlineData("flannel-vxlan", "10.244.1.0")] // flannel.1's, as on a real flannel node
    public void A_Cluster_NodePort_reaches_an_endpoint_on_another_node_with_the_client_masqueraded_to_the_node(string cni, string seenFrom)
    {
        var (server, client, _) = NodePort(ExternalTrafficPolicy.Cluster, viaNode: 1, cni);
        Assert.Equal(1000, server.Received);
        Assert.Equal(0, client.Statistics.ForeignSegments);
        Assert.Equal(Ipv4Address.Parse(seenFrom), server.Peers.Single());
    }

    [Fact]
    public void A_Local_NodePort_keeps_the_client_address_on_a_node_with_an_endpoint_and_drops_on_one_without()
    {
        var (server, _, outside) = NodePort(ExternalTrafficPolicy.Local, viaNode: 2);
        Assert.Equal(1000, server.Received);
        Assert.Equal(outside.Root.Devices.OfType<Network.Devices.PhysicalNic>().Single().PrimaryAddress, server.Peers.Single());

        var (nobody, client, _) = NodePort(ExternalTrafficPolicy.Local, viaNode: 1);
        Assert.Equal(0, nobody.Received);
        Assert.Equal(TcpState.SynSent, client.State); // node1's SYNs are dropped: the load balancer's health check would fail it
    }

    [Fact]
    public void A_pod_calling_a_Local_NodePort_on_a_node_without_an_endpoint_still_reaches_one_elsewhere()
    {
        // KUBE-EXT sends pod traffic to the cluster-wide KUBE-SVC; only external clients are held to local endpoints.
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("calico-bgp"));
        var client = cluster.AddPod("client", 1);
        var pod = cluster.AddPod("web-1", 2, Web);
        var server = new Counter();
        _ = new TcpListener(pod.Namespace, 8080, server);
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web) { NodePort = 30080, ExternalTrafficPolicy = ExternalTrafficPolicy.Local });
        var socket = TcpSocket.Connect(client.Namespace, cluster.Node(1).Ip, 30080, new Writer(1000));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(1000, server.Received);
        Assert.Equal(client.Ip, server.Peers.Single()); // pod traffic is not masqueraded
        Assert.Equal(0, socket.Statistics.ForeignSegments);
    }

    [Fact]
    public void A_NodePort_connection_walks_every_ClusterIP_rule_before_KUBE_NODEPORTS()
    {
        long Rules(int others)
        {
            var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("calico-bgp"));
            var pod = cluster.AddPod("web-1", 2, Web);
            _ = new TcpListener(pod.Namespace, 8080, new Counter());
            var proxy = new KubeProxyIptables(cluster);
            for (int i = 0; i < others; i++)
            {
                proxy.Add(new Service($"other-{i}", Ipv4Address.Parse($"10.97.{i / 250}.{(i % 250) + 1}"), 80, 8080, IpProtocol.Tcp, Web));
            }

            proxy.Add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web) { NodePort = 30080 });
            var outside = cluster.AddExternalHost("client");
            _ = TcpSocket.Connect(outside.Root, cluster.Node(1).Ip, 30080, new Writer(100, keepOpen: true));
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
            return cluster.Node(1).Root.Netfilter!.RulesEvaluated;
        }

        Assert.Equal(990, Rules(1000) - Rules(10));
    }

    [Fact]
    public void In_nftables_mode_a_new_connection_costs_one_map_lookup_however_many_Services_there_are()
    {
        (long Rules, long Cpu, long Received) Run(int others)
        {
            var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
            var client = cluster.AddPod("client", 1);
            var pod = cluster.AddPod("web-1", 2, Web);
            var counter = new Counter();
            _ = new TcpListener(pod.Namespace, 8080, counter);
            var proxy = new KubeProxyNftables(cluster);
            for (int i = 0; i < others; i++)
            {
                proxy.Add(new Service($"other-{i}", Ipv4Address.Parse($"10.97.{i / 250}.{(i % 250) + 1}"), 80, 8080, IpProtocol.Tcp, Web));
            }

            proxy.Add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web));
            _ = TcpSocket.Connect(client.Namespace, Ipv4Address.Parse("10.96.0.10"), 80, new Writer(100, keepOpen: true));
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
            var node1 = cluster.Node(1);
            return (node1.Root.Netfilter!.RulesEvaluated, node1.Host.TotalCpuPicoseconds, counter.Received);
        }

        var ten = Run(10);
        var thousand = Run(1000);
        Assert.Equal(100, ten.Received);
        Assert.Equal(100, thousand.Received);
        Assert.Equal(ten.Rules, thousand.Rules);
        Assert.Equal(ten.Cpu, thousand.Cpu);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("calico-bgp")]
    public void A_pod_reaches_itself_through_its_own_Service_masqueraded(string cni)
    {
        // Hairpin: KUBE-SEP marks it, and the reply must come back through the node (bridge hairpin mode on
        // flannel; on Calico MASQUERADE takes the node's address, the cali device having none).
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 1 }, CniPlugin.ByName(cni));
        var pod = cluster.AddPod("web-1", 1, Web);
        var counter = new Counter();
        _ = new TcpListener(pod.Namespace, 8080, counter);
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web));
        var socket = TcpSocket.Connect(pod.Namespace, Ipv4Address.Parse("10.96.0.10"), 80, new Writer(100));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(100, counter.Received);
        Assert.DoesNotContain(pod.Ip, counter.Peers); // it saw the node's address, not its own
        Assert.Equal(0, socket.Statistics.ForeignSegments);
    }

    [Fact]
    public void A_node_reaches_a_ClusterIP_on_another_node_and_a_Service_without_endpoints_gets_no_nat_rule()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("flannel-vxlan"));
        var pod = cluster.AddPod("web-1", 2, Web);
        var counter = new Counter();
        _ = new TcpListener(pod.Namespace, 8080, counter);
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("empty", Ipv4Address.Parse("10.96.0.9"), 80, 8080, IpProtocol.Tcp, new Dictionary<string, string> { ["app"] = "none" }));
        proxy.Add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web));
        Assert.Equal(1, proxy.ServiceRules);

        // From node1's own namespace: source 192.168.0.1 is outside the pod network, so KUBE-SVC masquerades it
        // (to flannel.1's address) and the reply returns through the tunnel.
        var fromNode = TcpSocket.Connect(cluster.Node(1).Root, Ipv4Address.Parse("10.96.0.10"), 80, new Writer(100));
        var toEmpty = TcpSocket.Connect(cluster.Node(1).Root, Ipv4Address.Parse("10.96.0.9"), 80, new Writer(100));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));
        Assert.Equal(100, counter.Received);
        Assert.Equal(Ipv4Address.Parse("10.244.1.0"), Assert.Single(counter.Peers));
        Assert.Equal(0, fromNode.Statistics.ForeignSegments);
        Assert.Equal(TcpState.SynSent, toEmpty.State); // rejected in the filter table
        Assert.True(cluster.Node(1).Host.Drops(Network.Stack.DropReason.Netfilter) >= 1);
    }

    private sealed class Counter : ITcpApplication
    {
        public long Received { get; private set; }
        public int Connections { get; private set; }
        public HashSet<Ipv4Address> Peers { get; } = [];

        public void OnConnected(TcpSocket socket)
        {
            Connections++;
            Peers.Add(socket.RemoteAddress);
        }

        public void OnReceived(TcpSocket socket, long bytes) => Received += bytes;
        public void OnPeerClosed(TcpSocket socket) => socket.Close();
        public void OnClosed(TcpSocket socket) { }
    }

    private sealed class Writer(long bytes, bool keepOpen = false) : ITcpApplication
    {
        public void OnConnected(TcpSocket socket)
        {
            socket.Send(bytes);
            if (!keepOpen)
            {
                socket.Close();
            }
        }

        public void OnReceived(TcpSocket socket, long b) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
    }
}
