using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Cilium's kube-proxy replacement socket LB (bpf_sock.c cil_sock4_connect on the root cgroup's connect4 hook):
/// a ClusterIP is translated once, at connect(), so the connection's packets carry the backend's address on the
/// wire and meet no NAT, and the cost of a new connection does not depend on how many Services exist.
/// </summary>
public class CiliumSocketLbTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address WebIp = Ipv4Address.Parse("10.96.0.10");

    /// <summary>Every stage any packet crossed, with the host and the tuple the packet carried there.</summary>
    private sealed class WireLog : IPacketTracer
    {
        public List<(string Host, KernelStage Stage, FiveTuple Visible)> Stages { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds) =>
            Stages.Add((ns.Host.Name, stage, ns.Host.Pool[packet].VisibleFlow));

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }

    /// <summary>A client pod on node1, two web pods on node2 behind a ClusterIP, and <paramref name="otherServices"/> Services before it.</summary>
    private static (KubernetesCluster Cluster, Pod Client, List<TcpCounter> Servers) Build(CniPlugin cni, int otherServices = 0, string mode = "iptables")
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, cni);
        var client = cluster.AddPod("client", 1);
        var servers = new List<TcpCounter>();
        for (int i = 0; i < 2; i++)
        {
            var pod = cluster.AddPod($"web-{i}", 2, Web);
            var counter = new TcpCounter();
            _ = new TcpListener(pod.Namespace, 8080, counter);
            servers.Add(counter);
        }

        var add = KubeProxyMode.Get(mode).Install(cluster);
        for (int i = 0; i < otherServices; i++)
        {
            add(new Service($"other-{i}", Ipv4Address.Parse($"10.97.{i / 250}.{(i % 250) + 1}"), 80, 8080, IpProtocol.Tcp, Web));
        }

        add(new Service("web", WebIp, 80, 8080, IpProtocol.Tcp, Web));
        return (cluster, client, servers);
    }

    private static CiliumDatapath Kpr(CiliumHostRouting hostRouting = CiliumHostRouting.Ebpf) => new(CiliumRouting.Native, hostRouting, kubeProxyReplacement: true);

    [Theory]
    [InlineData(CiliumHostRouting.Ebpf)]
    [InlineData(CiliumHostRouting.Legacy)]
    public void With_socket_LB_a_ClusterIP_connection_carries_the_backend_address_on_the_wire_and_walks_no_nat_rule(CiliumHostRouting hostRouting)
    {
        var (cluster, client, servers) = Build(Kpr(hostRouting));
        var log = new WireLog();
        foreach (var node in cluster.Nodes)
        {
            node.Host.Tracer = log;
        }

        var sockets = new List<TcpSocket>();
        for (int i = 0; i < 40; i++)
        {
            sockets.Add(TcpSocket.Connect(client.Namespace, WebIp, 80, new TcpWriter(100)));
        }

        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(40 * 100, servers.Sum(s => s.Received));
        Assert.All(servers, s => Assert.InRange(s.Connections, 8, 32)); // a random backend each: 20 +/- 3.2 each
        Assert.All(sockets, s => Assert.NotEqual(WebIp, s.RemoteAddress)); // the socket is the backend's from connect()
        Assert.All(sockets, s => Assert.Equal(0, s.Statistics.ForeignSegments)); // no reply needed un-NAT

        // No packet anywhere, on either node or between them, carried the ClusterIP, and none was translated.
        Assert.Contains(log.Stages, s => s.Host == "node2");
        Assert.DoesNotContain(log.Stages, s => s.Visible.Destination == WebIp || s.Visible.Source == WebIp);
        Assert.DoesNotContain(log.Stages, s => s.Stage == KernelStage.BpfServiceNat);
        Assert.Equal(40, log.Stages.Count(s => s.Stage == KernelStage.BpfSocketLb));

        // kube-proxy never ran: no nat rule to walk, no KUBE-SERVICES chain.
        foreach (var node in cluster.Nodes)
        {
            var nf = node.Root.Netfilter!;
            Assert.Empty(nf.NatPreRouting.Rules);
            Assert.Empty(nf.NatOutput.Rules);
            Assert.Empty(nf.NatPostRouting.Rules);
            Assert.Throws<ArgumentException>(() => nf.UserChain("KUBE-SERVICES"));
        }
    }

    [Fact]
    public void Without_kube_proxy_replacement_the_same_connection_is_translated_per_packet_in_tc_BPF_and_pays_no_socket_LB()
    {
        var (cluster, client, servers) = Build(new CiliumDatapath(CiliumRouting.Native));
        _ = TcpSocket.Connect(client.Namespace, WebIp, 80, new TcpWriter(100));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));

        Assert.Equal(100, servers.Sum(s => s.Received));
        Assert.Equal(0, cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfSocketLb));
        Assert.True(cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfServiceNat) > 0);
    }

    [Fact]
    public void Connect_pays_BpfSocketLb_once_so_TCP_CRR_pays_it_per_connection_and_TCP_RR_once()
    {
        long perConnect = CostTable.Default()[KernelStage.BpfSocketLb].FixedPicoseconds;
        Assert.Equal(1_505_000, perConnect); // tools/kernel-costs/README.md, BPF stages: 1,505 ns, revnat LRU map at capacity

        // CRR: 25 connections, each connect(), one request, close().
        var crr = Build(Kpr());
        for (int i = 0; i < 25; i++)
        {
            _ = TcpSocket.Connect(crr.Client.Namespace, WebIp, 80, new TcpWriter(64));
        }

        crr.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));
        Assert.Equal(25 * 64, crr.Servers.Sum(s => s.Received));
        Assert.Equal(25 * perConnect, crr.Cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfSocketLb));

        // RR: one connection kept open and written to 25 times.
        var rr = Build(Kpr());
        var socket = TcpSocket.Connect(rr.Client.Namespace, WebIp, 80, new TcpWriter(64, keepOpen: true));
        rr.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(2));
        for (int i = 1; i < 25; i++)
        {
            socket.Send(64);
            rr.Cluster.Bed.Sim.RunUntil(rr.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(1));
        }

        Assert.Equal(25 * 64, rr.Servers.Sum(s => s.Received));
        Assert.Equal(perConnect, rr.Cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfSocketLb));
        Assert.Equal(0, rr.Cluster.Node(2).Host.CpuPicosecondsOf(KernelStage.BpfSocketLb)); // the server's side never connect()s
    }

    [Fact]
    public void Kube_proxy_replacement_costs_a_new_connection_the_same_with_10_and_1000_Services_and_iptables_kube_proxy_does_not()
    {
        long CpuOfOneConnection(Func<CniPlugin> cni, int services)
        {
            var (cluster, client, servers) = Build(cni(), services - 1);
            _ = TcpSocket.Connect(client.Namespace, WebIp, 80, new TcpWriter(100));
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
            Assert.Equal(100, servers.Sum(s => s.Received));
            return cluster.Nodes.Sum(n => n.Host.TotalCpuPicoseconds);
        }

        long kpr10 = CpuOfOneConnection(() => Kpr(), 10);
        long kpr1000 = CpuOfOneConnection(() => Kpr(), 1000);
        Assert.Equal(kpr10, kpr1000);

        // Calico with kube-proxy's iptables: the connection's first packet walks KUBE-SERVICES, one rule a Service.
        long iptables10 = CpuOfOneConnection(() => CniPlugin.ByName("calico-bgp"), 10);
        long iptables1000 = CpuOfOneConnection(() => CniPlugin.ByName("calico-bgp"), 1000);
        long perRule = CostTable.Default()[KernelStage.NftablesRule].FixedPicoseconds;
        Assert.True(iptables1000 - iptables10 >= 990 * perRule, $"{iptables1000 - iptables10} ps more for 990 more Services");
    }

    /// <summary>A client pod on node1 and two UDP echo pods on node2 behind a UDP ClusterIP.</summary>
    private static (KubernetesCluster Cluster, Pod Client, List<UdpEcho> Echoes, List<Pod> Web) BuildUdp(CniPlugin cni)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, cni);
        var client = cluster.AddPod("client", 1);
        var echoes = new List<UdpEcho>();
        var web = new List<Pod>();
        for (int i = 0; i < 2; i++)
        {
            var pod = cluster.AddPod($"web-{i}", 2, Web);
            var echo = new UdpEcho();
            _ = new UdpSocket(pod.Namespace, pod.Ip, 8080) { Receiver = echo };
            echoes.Add(echo);
            web.Add(pod);
        }

        KubeProxyMode.Get("iptables").Install(cluster)(new Service("web", WebIp, 80, 8080, IpProtocol.Udp, Web));
        return (cluster, client, echoes, web);
    }

    [Theory]
    [InlineData(CiliumHostRouting.Ebpf)]
    [InlineData(CiliumHostRouting.Legacy)]
    public void With_socket_LB_a_UDP_datagram_to_a_ClusterIP_carries_the_backend_address_and_its_answer_is_reported_from_the_ClusterIP(CiliumHostRouting hostRouting)
    {
        var (cluster, client, echoes, _) = BuildUdp(Kpr(hostRouting));
        var log = new WireLog();
        foreach (var node in cluster.Nodes)
        {
            node.Host.Tracer = log;
        }

        var answers = new UdpSources();
        var socket = new UdpSocket(client.Namespace, client.Ip, 40000) { Receiver = answers };
        for (int i = 0; i < 40; i++)
        {
            socket.Send(WebIp, 80, 100);
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(i + 1));
        }

        // sendmsg4 draws a backend for each datagram: both get some; the application hears every answer from the ClusterIP.
        Assert.Equal(40, echoes.Sum(e => e.From.Count));
        Assert.All(echoes, e => Assert.InRange(e.From.Count, 8, 32));
        Assert.Equal(40, answers.From.Count);
        Assert.All(answers.From, a => Assert.Equal((WebIp, (ushort)80), (a.Address, a.Port)));

        // On the wire and in every program the datagrams carry the backend's address; nothing is translated per packet.
        Assert.DoesNotContain(log.Stages, s => s.Visible.Destination == WebIp || s.Visible.Source == WebIp);
        Assert.DoesNotContain(log.Stages, s => s.Stage == KernelStage.BpfServiceNat);
        Assert.Equal(40, log.Stages.Count(s => s.Stage == KernelStage.BpfSocketLb && s.Host == "node1"));
        Assert.Equal(40, log.Stages.Count(s => s.Stage == KernelStage.BpfSocketLbReceive && s.Host == "node1"));

        // The echo servers answered from their own sockets to the client: no socket LB on their side.
        Assert.DoesNotContain(log.Stages, s => s.Host == "node2" && s.Stage is KernelStage.BpfSocketLb or KernelStage.BpfSocketLbReceive);
    }

    [Fact]
    public void Recvmsg_rewrites_only_the_answers_of_a_backend_the_socket_sent_to_through_the_ClusterIP()
    {
        var (cluster, client, _, web) = BuildUdp(Kpr());
        var answers = new UdpSources();
        var socket = new UdpSocket(client.Namespace, client.Ip, 40000) { Receiver = answers };
        socket.Send(web[0].Ip, 8080, 100); // straight to a pod: its answer keeps the pod's address
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));

        var answered = Assert.Single(answers.From);
        Assert.Equal((web[0].Ip, (ushort)8080), (answered.Address, answered.Port));
        Assert.Equal(0, cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfSocketLb));
        Assert.Equal(0, cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfSocketLbReceive));
    }

    [Fact]
    public void Without_kube_proxy_replacement_a_UDP_datagram_to_a_ClusterIP_is_translated_per_packet_both_ways()
    {
        var (cluster, client, echoes, _) = BuildUdp(new CiliumDatapath(CiliumRouting.Native));
        var answers = new UdpSources();
        new UdpSocket(client.Namespace, client.Ip, 40000) { Receiver = answers }.Send(WebIp, 80, 100);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));

        Assert.Equal(1, echoes.Sum(e => e.From.Count));
        Assert.Equal((WebIp, (ushort)80), (answers.From[0].Address, answers.From[0].Port));
        var node1 = cluster.Node(1).Host;
        Assert.Equal(2 * CostTable.Default()[KernelStage.BpfServiceNat].FixedPicoseconds, node1.CpuPicosecondsOf(KernelStage.BpfServiceNat)); // out and back
        Assert.Equal(0, node1.CpuPicosecondsOf(KernelStage.BpfSocketLb));
    }
}
