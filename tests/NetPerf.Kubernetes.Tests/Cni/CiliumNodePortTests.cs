using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Kubernetes.Services;
using NetPerf.Kubernetes.Tests.Paths;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Kube-proxy replacement's NodePort in tc BPF (bpf/bpf_host.c cil_from_netdev, bpf/lib/nodeport.h): the exact
/// hops of a datagram from the outside host to node1's NodePort and its echo, with web-1 on node2 the only backend
/// (<see cref="PathCluster"/>'s layout), for each routing, host routing and loadBalancer.mode; and the facts of SNAT,
/// DSR, Maglev and externalTrafficPolicy Local.
/// </summary>
public class CiliumNodePortTests
{
    private const string Web1 = "lxc000000000003";

    private static CiliumDatapath Kpr(CiliumRouting routing, CiliumHostRouting host, CiliumLoadBalancerMode mode = CiliumLoadBalancerMode.Snat) =>
        new(routing, host, kubeProxyReplacement: true) { LoadBalancerMode = mode };

    public static TheoryData<CiliumRouting, CiliumHostRouting, CiliumLoadBalancerMode> Modes() => new()
    {
        { CiliumRouting.Native, CiliumHostRouting.Ebpf, CiliumLoadBalancerMode.Snat },
        { CiliumRouting.Native, CiliumHostRouting.Legacy, CiliumLoadBalancerMode.Snat },
        { CiliumRouting.Vxlan, CiliumHostRouting.Ebpf, CiliumLoadBalancerMode.Snat },
        { CiliumRouting.Vxlan, CiliumHostRouting.Legacy, CiliumLoadBalancerMode.Snat },
        { CiliumRouting.Geneve, CiliumHostRouting.Ebpf, CiliumLoadBalancerMode.Snat },
        { CiliumRouting.Geneve, CiliumHostRouting.Legacy, CiliumLoadBalancerMode.Snat },
        { CiliumRouting.Native, CiliumHostRouting.Ebpf, CiliumLoadBalancerMode.Dsr },
        { CiliumRouting.Native, CiliumHostRouting.Legacy, CiliumLoadBalancerMode.Dsr },
        { CiliumRouting.Native, CiliumHostRouting.Ebpf, CiliumLoadBalancerMode.Hybrid }, // a datagram: SNAT
    };

    /// <summary>
    /// node1's cil_from_netdev translates and forwards from the hook (fib_redirect out of eth0, or into cilium_vxlan
    /// in tunnel mode): no netfilter hook and no ip_forward on the entry node. node2 receives it as any packet for its
    /// pod (legacy host routing: up the stack and out of cilium_host). The echo leaves node2 up its stack with legacy
    /// host routing, by the FIB from cil_from_container with eBPF's. With SNAT it goes back to node1's address,
    /// where cil_from_netdev translates it back and redirects it to the client; with DSR the backend's node rewrites
    /// the echo's source to the frontend at cil_from_container and sends it straight to the client.
    /// </summary>
    private static string[] Expected(CiliumRouting routing, CiliumHostRouting host, bool dsr)
    {
        bool native = routing == CiliumRouting.Native, legacy = host == CiliumHostRouting.Legacy;
        var (tunnel, driver) = routing == CiliumRouting.Geneve ? ("cilium_geneve", "geneve") : ("cilium_vxlan", "vxlan");
        string[] toNode2 = native
            ? ["node1/root/eth0 tx"]
            : [$"node1/root/{tunnel} {driver}+", "node1/root/eth0 OUTPUT", "node1/root/eth0 POSTROUTING", "node1/root/eth0 tx"];
        string[] arrive = native
            ? ["node2/root/eth0 rx", $"node2/root/eth0 from-netdev{(dsr ? " dsr" : "")}"]
            : ["node2/root/eth0 rx", "node2/root/eth0 from-netdev", "node2/root/eth0 PREROUTING", "node2/root/eth0 INPUT", $"node2/root/{tunnel} {driver}-", $"node2/root/{tunnel} from-overlay"];
        string[] deliver = native && legacy
            ? ["node2/root/eth0 PREROUTING", "node2/root/eth0 FORWARD", "node2/root/cilium_host POSTROUTING", "node2/root/cilium_host from-host", $"node2/root/{Web1} to-container", $"node2/root/{Web1} veth"]
            : legacy ? [$"node2/root/{Web1} to-container", $"node2/root/{Web1} veth"] : [$"node2/root/{Web1} to-container"];
        string[] upTheStack = [$"node2/root/{Web1} PREROUTING", $"node2/root/{Web1} FORWARD", "node2/root/eth0 POSTROUTING", "node2/root/eth0 tx"];
        string[] back = dsr
            ? [$"node2/root/{Web1} from-container src>192.168.0.1:30080", .. legacy ? upTheStack : ["node2/root/eth0 tx"]]
            : [$"node2/root/{Web1} from-container", .. legacy ? upTheStack : ["node2/root/eth0 tx"], "node1/root/eth0 rx", "node1/root/eth0 from-netdev dst>192.168.15.1:40000 src>192.168.0.1:30080", "node1/root/eth0 tx"];
        return
        [
            "outside/root/eth0 tx", "node1/root/eth0 rx",
            dsr ? "node1/root/eth0 from-netdev dst>10.244.2.2:8080 dsr" : "node1/root/eth0 from-netdev dst>10.244.2.2:8080 src>192.168.0.1:40000",
            .. toNode2, .. arrive, .. deliver, "node2/web-1 deliver", "node2/web-1/eth0 veth", .. back,
            "outside/root/eth0 rx", "outside/root deliver",
        ];
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_NodePort_datagram_and_its_echo_take_ciliums_nodeport_hops_and_walk_no_iptables_rule(CiliumRouting routing, CiliumHostRouting host, CiliumLoadBalancerMode mode)
    {
        var cluster = new PathCluster(Kpr(routing, host, mode), "iptables", "node-port");
        var trace = cluster.Send();
        bool dsr = mode == CiliumLoadBalancerMode.Dsr; // hybrid: DSR for TCP only

        Assert.Empty(trace.Drops);
        Assert.Equal(Expected(routing, host, dsr), trace.Hops);

        // SNAT: the backend sees the entry node's address; DSR keeps the client's. The client hears the frontend.
        var heard = Assert.Single(cluster.Echo.From);
        Assert.Equal(dsr ? "192.168.15.1:40000" : "192.168.0.1:40000", $"{heard.Address}:{heard.Port}");
        var answered = Assert.Single(cluster.Answers.From);
        Assert.Equal("192.168.0.1:30080", $"{answered.Address}:{answered.Port}");

        // No kube-proxy: no rule in any nat chain, and the entry node walked no rule of any table.
        foreach (var node in cluster.Cluster.Nodes)
        {
            Assert.Empty(node.Root.Netfilter!.NatPreRouting.Rules);
            Assert.Throws<ArgumentException>(() => node.Root.Netfilter!.UserChain("KUBE-SERVICES"));
        }

        var entry = cluster.Cluster.Node(1).Host;
        Assert.Equal(0, entry.CpuPicosecondsOf(KernelStage.NetfilterRule) + entry.CpuPicosecondsOf(KernelStage.NftablesRule));
        Assert.Equal(0, entry.CpuPicosecondsOf(KernelStage.IpForward));
        Assert.Equal(0, entry.CpuPicosecondsOf(KernelStage.Nat));
    }

    /// <summary>
    /// The LoadBalancer path: the LVS-NAT director in front of the NodePorts DNATs the VIP to a node's NodePort, where
    /// Cilium's nodeport_lb4 takes it as any NodePort packet. With DSR the reply leaves node2 towards the client by its
    /// default route, the director, which gives it the VIP back; the director keeps the client's address, so DSR's
    /// backend sees it.
    /// </summary>
    [Theory]
    [InlineData(CiliumLoadBalancerMode.Snat, "192.168.0.1")]
    [InlineData(CiliumLoadBalancerMode.Dsr, "203.0.113.10")]
    public void A_LoadBalancer_datagram_through_the_director_is_served_by_the_BPF_NodePort(CiliumLoadBalancerMode mode, string serverHears)
    {
        var cluster = new PathCluster(Kpr(CiliumRouting.Native, CiliumHostRouting.Ebpf, mode), "iptables", "load-balancer");
        var trace = cluster.Send(); // the director's round robin starts at node1, whose NodePort forwards to web-1 on node2

        Assert.Empty(trace.Drops);
        Assert.Equal(serverHears, cluster.Echo.From[^1].Address.ToString());
        Assert.Equal($"{PathCluster.Vip}:{PathCluster.ServicePort}", $"{cluster.Answers.From[^1].Address}:{cluster.Answers.From[^1].Port}");
        var entry = cluster.Cluster.Node(1).Host;
        Assert.Equal(0, entry.CpuPicosecondsOf(KernelStage.NetfilterRule) + entry.CpuPicosecondsOf(KernelStage.NftablesRule));
        Assert.True(entry.CpuPicosecondsOf(KernelStage.BpfNodePort) > 0);
        Assert.Contains(trace.Hops, h => h.StartsWith("lb/", StringComparison.Ordinal));
    }

    [Fact]
    public void With_DSR_the_reply_leaves_the_backends_node_straight_to_the_client_and_the_entry_node_pays_no_SNAT()
    {
        var costs = CostTable.Default();
        var dsr = new PathCluster(Kpr(CiliumRouting.Native, CiliumHostRouting.Ebpf, CiliumLoadBalancerMode.Dsr), "iptables", "node-port");
        var dsrHops = dsr.Send().Hops;
        var snat = new PathCluster(Kpr(CiliumRouting.Native, CiliumHostRouting.Ebpf), "iptables", "node-port");
        var snatHops = snat.Send().Hops;

        // After the backend delivered, DSR's echo never reaches node1; SNAT's comes back through it.
        int served = dsrHops.IndexOf("node2/web-1 deliver");
        Assert.DoesNotContain(dsrHops.Skip(served), h => h.StartsWith("node1/", StringComparison.Ordinal));
        Assert.Contains(snatHops.Skip(snatHops.IndexOf("node2/web-1 deliver")), h => h.StartsWith("node1/", StringComparison.Ordinal));

        // The entry node: DSR writes its option once; SNAT translates both ways and reverse-NATs the echo too.
        var dsrEntry = dsr.Cluster.Node(1).Host;
        var snatEntry = snat.Cluster.Node(1).Host;
        Assert.Equal(costs[KernelStage.BpfDsr].FixedPicoseconds, dsrEntry.CpuPicosecondsOf(KernelStage.BpfDsr));
        Assert.Equal(0, dsrEntry.CpuPicosecondsOf(KernelStage.BpfNodePortSnat));
        Assert.Equal(2 * costs[KernelStage.BpfNodePortSnat].FixedPicoseconds, snatEntry.CpuPicosecondsOf(KernelStage.BpfNodePortSnat));
        Assert.Equal(0, snatEntry.CpuPicosecondsOf(KernelStage.BpfDsr));
        Assert.True(dsrEntry.CpuPicosecondsOf(KernelStage.NicReceive) < snatEntry.CpuPicosecondsOf(KernelStage.NicReceive)); // one packet in, not two

        // The backend's node reads the option and keeps it for the reply.
        Assert.Equal(costs[KernelStage.BpfDsr].FixedPicoseconds, dsr.Cluster.Node(2).Host.CpuPicosecondsOf(KernelStage.BpfDsr));
    }

    [Fact]
    public void DSR_in_tunnel_mode_is_refused_as_the_agent_refuses_it()
    {
        var error = Assert.Throws<NotSupportedException>(() => new PathCluster(Kpr(CiliumRouting.Vxlan, CiliumHostRouting.Ebpf, CiliumLoadBalancerMode.Dsr), "iptables", "node-port"));
        Assert.Contains("native routing", error.Message);
    }

    /// <summary>Two nodes, web pods on node2 only behind a NodePort Service of <paramref name="protocol"/> with <paramref name="policy"/>, and an outside host.</summary>
    private static (KubernetesCluster Cluster, Host Outside, List<Pod> Web) Build(CiliumDatapath cilium, ExternalTrafficPolicy policy, IpProtocol protocol, int webPods = 1)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, cilium);
        var labels = new Dictionary<string, string> { ["app"] = "web" };
        var web = Enumerable.Range(0, webPods).Select(i => cluster.AddPod($"web-{i}", 2, labels)).ToList();
        var add = KubeProxyMode.Get("iptables").Install(cluster);
        add(new Service("web", Ipv4Address.Parse("10.96.0.20"), 80, 8080, protocol, labels) { NodePort = 30080, ExternalTrafficPolicy = policy });
        return (cluster, cluster.AddExternalHost("outside"), web);
    }

    [Fact]
    public void With_externalTrafficPolicy_Local_a_node_without_a_backend_drops_and_one_with_a_backend_keeps_the_clients_address()
    {
        var (cluster, outside, web) = Build(Kpr(CiliumRouting.Native, CiliumHostRouting.Ebpf), ExternalTrafficPolicy.Local, IpProtocol.Udp);
        var echo = new UdpEcho();
        _ = new UdpSocket(web[0].Namespace, web[0].Ip, 8080) { Receiver = echo };
        var answers = new UdpSources();
        var client = new UdpSocket(outside.Root, Ipv4Address.Parse("192.168.15.1"), 40000) { Receiver = answers };
        var drops = new DropLog();
        foreach (var node in cluster.Nodes)
        {
            node.Host.Tracer = drops;
        }

        client.Send(cluster.Node(1).Ip, 30080, 100); // node1 has no web pod
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));
        Assert.Empty(echo.From);
        Assert.Equal([DropReason.TcShot], drops.Reasons);

        client.Send(cluster.Node(2).Ip, 30080, 100);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(2));
        var heard = Assert.Single(echo.From);
        Assert.Equal("192.168.15.1:40000", $"{heard.Address}:{heard.Port}"); // no SNAT: the client's own address
        var answered = Assert.Single(answers.From);
        Assert.Equal($"{cluster.Node(2).Ip}:30080", $"{answered.Address}:{answered.Port}");
        Assert.Equal(0, cluster.Node(2).Host.CpuPicosecondsOf(KernelStage.BpfNodePortSnat));
    }

    [Theory]
    [InlineData(CiliumLoadBalancerMode.Hybrid, IpProtocol.Tcp, true)]
    [InlineData(CiliumLoadBalancerMode.Hybrid, IpProtocol.Udp, false)]
    [InlineData(CiliumLoadBalancerMode.Dsr, IpProtocol.Udp, true)]
    [InlineData(CiliumLoadBalancerMode.Snat, IpProtocol.Tcp, false)]
    public void Hybrid_mode_sends_TCP_by_DSR_and_UDP_by_SNAT(CiliumLoadBalancerMode mode, IpProtocol protocol, bool dsr)
    {
        var (cluster, outside, web) = Build(Kpr(CiliumRouting.Native, CiliumHostRouting.Ebpf, mode), ExternalTrafficPolicy.Cluster, protocol);
        if (protocol == IpProtocol.Tcp)
        {
            _ = new TcpListener(web[0].Namespace, 8080, new Sink());
            _ = TcpSocket.Connect(outside.Root, cluster.Node(1).Ip, 30080, new Sink());
        }
        else
        {
            _ = new UdpSocket(web[0].Namespace, web[0].Ip, 8080) { Receiver = new UdpEcho() };
            new UdpSocket(outside.Root, Ipv4Address.Parse("192.168.15.1"), 40000) { Receiver = new UdpSources() }.Send(cluster.Node(1).Ip, 30080, 100);
        }

        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(2));
        var entry = cluster.Node(1).Host;
        Assert.Equal(dsr, entry.CpuPicosecondsOf(KernelStage.BpfDsr) > 0);
        Assert.Equal(!dsr, entry.CpuPicosecondsOf(KernelStage.BpfNodePortSnat) > 0);
        Assert.True(cluster.Node(2).Host.CpuPicosecondsOf(KernelStage.SocketDeliver) > 0);
    }

    [Fact]
    public void A_NodePort_flows_backend_is_selected_once_and_kept_by_its_conntrack_entry()
    {
        var (cluster, outside, web) = Build(Kpr(CiliumRouting.Native, CiliumHostRouting.Ebpf), ExternalTrafficPolicy.Cluster, IpProtocol.Udp, webPods: 3);
        var echoes = web.Select(w => { var e = new UdpEcho(); _ = new UdpSocket(w.Namespace, w.Ip, 8080) { Receiver = e }; return e; }).ToList();
        var client = new UdpSocket(outside.Root, Ipv4Address.Parse("192.168.15.1"), 40000) { Receiver = new UdpSources() };
        for (int i = 0; i < 10; i++)
        {
            client.Send(cluster.Node(1).Ip, 30080, 100);
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(i + 1));
        }

        Assert.Single(echoes, e => e.From.Count == 10); // one flow, one backend
        var entry = cluster.Node(1).Host;
        var costs = CostTable.Default();
        Assert.Equal(costs[KernelStage.BpfBackendRandom].FixedPicoseconds, entry.CpuPicosecondsOf(KernelStage.BpfBackendRandom));
        Assert.Equal(10 * costs[KernelStage.BpfNodePort].FixedPicoseconds, entry.CpuPicosecondsOf(KernelStage.BpfNodePort));
    }

    /// <summary>
    /// dsr_set_opt4 (bpf/lib/nodeport.h) sets the DSR option on a TCP connection's SYN only: the backend's node keeps
    /// the frontend in the flow's entry from then on, so full-MSS data segments cross unchanged in size and a bulk
    /// transfer through a DSR NodePort arrives whole, with the option paid once at the entry node.
    /// </summary>
    [Theory]
    [InlineData(CiliumLoadBalancerMode.Dsr)]
    [InlineData(CiliumLoadBalancerMode.Hybrid)]
    public void A_bulk_TCP_transfer_through_a_DSR_NodePort_arrives_whole_and_carries_the_option_on_its_SYN_only(CiliumLoadBalancerMode mode)
    {
        const long bytes = 1 << 20;
        var (cluster, outside, web) = Build(Kpr(CiliumRouting.Native, CiliumHostRouting.Ebpf, mode), ExternalTrafficPolicy.Cluster, IpProtocol.Tcp);
        var receiver = new TcpCounter();
        _ = new TcpListener(web[0].Namespace, 8080, receiver);
        _ = TcpSocket.Connect(outside.Root, cluster.Node(1).Ip, 30080, new TcpWriter(bytes));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(50));

        Assert.Equal(bytes, receiver.Received);
        var costs = CostTable.Default();
        Assert.Equal(costs[KernelStage.BpfDsr].FixedPicoseconds, cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfDsr));
    }

    private static List<CiliumBackend> Backends(int n, int offset = 0) =>
        [.. Enumerable.Range(offset, n).Select(i => new CiliumBackend(Ipv4Address.Parse($"10.244.{(i % 3) + 1}.{i + 2}"), 8080, null!))];

    private static FiveTuple Flow(int i) =>
        new(Ipv4Address.Parse($"203.0.113.{(i % 200) + 1}"), Ipv4Address.Parse("198.51.100.7"), IpProtocol.Tcp, (ushort)(32768 + (i / 200)), 443);

    [Fact]
    public void Maglev_gives_a_flow_the_same_backend_on_every_node_whatever_order_each_agent_learnt_the_backends_in()
    {
        var backends = Backends(5);
        var node1 = CiliumMaglev.Populate(backends, CiliumMaglev.DefaultTableSize);
        var reversed = Enumerable.Reverse(backends).ToList();
        var node2 = CiliumMaglev.Populate(reversed, CiliumMaglev.DefaultTableSize);
        for (int i = 0; i < 10_000; i++)
        {
            uint slot = Flow(i).Hash() % CiliumMaglev.DefaultTableSize;
            Assert.Same(backends[node1[slot]], reversed[node2[slot]]);
        }
    }

    [Fact]
    public void Maglevs_table_shares_its_slots_evenly_and_losing_a_backend_moves_only_the_flows_that_were_on_it()
    {
        const int M = CiliumMaglev.DefaultTableSize;
        var backends = Backends(7);
        var table = CiliumMaglev.Populate(backends, M);
        var share = table.GroupBy(b => b).Select(g => g.Count()).ToList();
        Assert.Equal(7, share.Count);
        Assert.All(share, n => Assert.InRange(n, (M / 7) - (M / 100), (M / 7) + (M / 100))); // within 1% of M of an even share

        var fewer = backends.Where((_, i) => i != 3).ToList();
        var after = CiliumMaglev.Populate(fewer, M);
        int kept = 0, stayed = 0;
        for (int slot = 0; slot < M; slot++)
        {
            if (table[slot] == 3)
            {
                continue;
            }

            kept++;
            stayed += ReferenceEquals(backends[table[slot]], fewer[after[slot]]) ? 1 : 0;
        }

        Assert.True(stayed > 0.9 * kept, $"{stayed} of {kept} slots kept their backend"); // modulo hashing would move 6 in 7
    }

    [Fact]
    public void Random_selection_lets_each_node_draw_for_itself_so_a_flow_may_get_another_backend_on_another_node()
    {
        var backends = Backends(5).ToArray();
        var draws1 = new Engine.Random.RngStreams(1).Create("node1/cilium/nodeport");
        var draws2 = new Engine.Random.RngStreams(1).Create("node2/cilium/nodeport");
        int differ = Enumerable.Range(0, 1000).Count(_ => draws1.Next(backends.Length) != draws2.Next(backends.Length));
        Assert.InRange(differ, 700, 900); // 4 in 5 on average
    }

    private sealed class DropLog : IPacketTracer
    {
        public List<DropReason> Reasons { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device) => Reasons.Add(reason);
    }

    private sealed class Sink : ITcpApplication
    {
        public void OnConnected(TcpSocket socket) => socket.Send(100);
        public void OnReceived(TcpSocket socket, long bytes) { }
        public void OnPeerClosed(TcpSocket socket) => socket.Close();
        public void OnClosed(TcpSocket socket) { }
    }
}
