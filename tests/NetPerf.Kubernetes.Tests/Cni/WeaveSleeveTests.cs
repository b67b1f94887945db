using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Tests.Paths;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Weave Net's sleeve (weaveworks/weave router/sleeve.go): with WEAVE_NO_FASTDP (<c>weave-sleeve</c>) the weaver
/// captures frames with pcap on vethwe-pcap, sends each in a UDP datagram from port 6783 of its node to 6783 of the
/// peer's, and injects what it receives through vethwe-pcap; where fastdp's heartbeat cannot cross the nodes' MTU
/// the datapath upcalls the frames to it instead. Hops in <see cref="HopTracer"/>'s notation on
/// <see cref="PathCluster"/>'s layout (client and web-0 on node1, web-1 on node2), the MTU, the weaver's core.
/// </summary>
public class WeaveSleeveTests
{
    // From a pod on node a to a pod on node b: the weave bridge to vethwe-bridge, its peer vethwe-pcap where the
    // weaver's pcap socket takes the frame (capture) and the weaver sends it (sleeve+) from the root namespace,
    // through OUTPUT and POSTROUTING; on b the datagram's PREROUTING and INPUT to the weaver's socket on 6783
    // (deliver), the weaver's injection (sleeve-) out of vethwe-pcap to vethwe-bridge, the bridge and the pod.
    internal static string[] Sleeve(int a, int b, string pod) =>
    [
        $"node{a}/root/vethwe-bridge veth", $"node{a}/root/vethwe-pcap capture", $"node{a}/root/vethwe-pcap sleeve+",
        $"node{a}/root/eth0 OUTPUT", $"node{a}/root/eth0 POSTROUTING", $"node{a}/root/eth0 tx",
        $"node{b}/root/eth0 rx", $"node{b}/root/eth0 PREROUTING", $"node{b}/root/eth0 INPUT", $"node{b}/root deliver",
        $"node{b}/root/vethwe-pcap sleeve-", $"node{b}/root/vethwe-pcap veth",
        .. Bridged(b), $"node{b}/root/{pod} veth",
    ];

    private static string[] Bridged(int node) =>
        [$"node{node}/root/weave bridge", $"node{node}/root/weave PREROUTING", $"node{node}/root/weave FORWARD", $"node{node}/root/weave POSTROUTING"];

    [Fact]
    public void A_datagram_across_nodes_goes_bridge_vethwe_pcap_weaver_and_UDP_6783_and_back_the_same_way()
    {
        var cluster = new PathCluster("weave-sleeve", "iptables", "pod-cross-node");
        var trace = cluster.Send();
        var wire = cluster.Send(new WireTracer()); // the same datagram again, its frames on the wire

        Assert.Empty(trace.Drops);
        Assert.Equal(
            [
                "node1/client/eth0 veth", .. Bridged(1), .. Sleeve(1, 2, "vethwepl0000003"), "node2/web-1 deliver",
                "node2/web-1/eth0 veth", .. Bridged(2), .. Sleeve(2, 1, "vethwepl0000001"), "node1/client deliver",
            ],
            trace.Hops);

        // On the wire between the nodes: UDP from 6783 to 6783 of the nodes' own addresses, the 100-byte datagram's
        // 128-byte IP packet behind sleeve's 62 bytes.
        var node1 = cluster.Cluster.Node(1).Ip;
        var node2 = cluster.Cluster.Node(2).Ip;
        var (outer, ipLength) = Assert.Single(wire.Sent, f => f.Outer.Source == node1);
        Assert.Equal(new FiveTuple(node1, node2, IpProtocol.Udp, SleeveOverlay.Port, SleeveOverlay.Port), outer);
        Assert.Equal(20 + 8 + 100 + HeaderSizes.SleeveOverhead, ipLength);
        Assert.Equal(6783, SleeveOverlay.Port);
    }

    [Fact]
    public void The_weavers_work_runs_on_the_weavers_core_whichever_core_the_frame_came_in_on()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, CoresPerNode = 4 }, CniPlugin.ByName("weave-sleeve"));
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("server", 2);
        var cores = new StageCores();
        foreach (var node in cluster.Nodes)
        {
            node.Host.Tracer = cores;
        }

        _ = new UdpSocket(server.Namespace, server.Ip, 5201) { Receiver = new Collector() };
        new UdpSocket(client.Namespace, client.Ip, 40000, core: 1).Send(server.Ip, 5201, 100);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));

        int weaver = WeaveNet.WeaverCore(cluster.Node(1));
        Assert.Equal(3, weaver); // the node's last core
        Assert.Equal([1], cores.Of(KernelStage.SleeveCapture)); // the kernel's part, on the sender's core
        Assert.Equal([weaver], cores.Of(KernelStage.SleeveEncapsulate));
        Assert.Equal([weaver], cores.Of(KernelStage.SleeveDecapsulate));
        Assert.Contains(cores.Of(KernelStage.UdpInput), c => c != weaver); // the datagram reached the weaver's socket on the receive queue's core
        Assert.Contains(weaver, cores.Of(KernelStage.BridgeForward)); // injected frames are bridged on the weaver's core (netif_rx on the sending CPU)
    }

    [Fact]
    public void Pods_on_one_node_meet_in_the_bridge_and_never_reach_the_weaver()
    {
        var cluster = new PathCluster("weave-sleeve", "iptables", "pod-same-node");
        var trace = cluster.Send();
        var weave = (WeaveNet)cluster.Cluster.Cni;

        Assert.Empty(trace.Drops);
        Assert.Equal(
            [
                "node1/client/eth0 veth", .. Bridged(1), "node1/root/vethwepl0000002 veth", "node1/web-0 deliver",
                "node1/web-0/eth0 veth", .. Bridged(1), "node1/root/vethwepl0000001 veth", "node1/client deliver",
            ],
            trace.Hops);
        Assert.All(cluster.Cluster.Nodes, n => Assert.Equal(0, weave.Sleeve(n).FramesSent + weave.Sleeve(n).FramesReceived));
        Assert.All(cluster.Cluster.Nodes, n => Assert.Equal(0, n.Host.CpuPicosecondsOf(KernelStage.SleeveCapture)));
    }

    [Theory]
    [InlineData(1500)]
    [InlineData(9000)]
    public void Pods_get_1376_bytes_whose_frames_fit_a_1460_byte_underlay_behind_sleeves_62(int nodeMtu)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, NodeMtu = nodeMtu }, CniPlugin.ByName("weave-sleeve"));
        var pod = cluster.AddPod("p", 1);
        var weave = (WeaveNet)cluster.Cni;

        Assert.Equal(1376, pod.Eth0!.Mtu);
        Assert.False(((VethDevice)pod.Eth0).TxChecksumOffload); // net/veth.go: tx off on the pod's end in Bridge mode
        Assert.Equal(14 + 28 + 6 + 6 + 6 + 2, HeaderSizes.SleeveOverhead); // Ethernet, IPv4 + UDP, the sender's name, each frame's two names and length
        Assert.True(WeaveNet.DefaultMtu + HeaderSizes.SleeveOverhead <= 1460); // 1438: GCE's underlay carries a full frame
        Assert.Equal(nodeMtu - 62, weave.Sleeve(cluster.Node(1)).MtuTo(weave.Sleeve(cluster.Node(2))));
        Assert.Equal(WeaveMode.Sleeve, weave.ConnectionMode(cluster.Node(1), cluster.Node(2)));
        Assert.Throws<InvalidOperationException>(() => weave.Datapath(cluster.Node(1))); // no datapath with WEAVE_NO_FASTDP
    }

    [Fact]
    public void A_TCP_stream_is_cut_into_frames_at_the_pods_eth0_and_each_frame_is_a_datagram_of_its_own()
    {
        var (cluster, counter, _) = Stream("weave-sleeve", cores: 4, nodeMtu: 1500);
        var weave = (WeaveNet)cluster.Cni;
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));

        long frames = weave.Sleeve(cluster.Node(1)).FramesSent;
        Assert.True(counter.Received > 1_000_000, $"{counter.Received} bytes, {frames} frames, {weave.Sleeve(cluster.Node(1)).FramesTooBig} too big");
        Assert.True(frames >= counter.Received / 1324, $"{frames} frames for {counter.Received} bytes"); // at most one MSS (1376 - 52) per frame
        Assert.True(cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.GsoSegment) > 0); // the pod's GSO packets cut in software (tx off)
        Assert.Equal(0, weave.Sleeve(cluster.Node(1)).FramesTooBig);
    }

    /// <summary>
    /// A sleeve stream is bound by the weaver: one process on one core, which sends every data frame on one node and
    /// receives and injects it on the other. More cores on the nodes leave its goodput where it is, one weaver's core
    /// is busy all the time and no other core of either node is.
    /// </summary>
    [Fact]
    public void A_sleeve_TCP_stream_is_capped_by_one_weaver_core_however_many_cores_the_nodes_have()
    {
        double Goodput(int cores, out double weaverBusy, out double otherBusiest)
        {
            var (cluster, counter, _) = Stream("weave-sleeve", cores, nodeMtu: 1500);
            var sim = cluster.Bed.Sim;
            sim.RunUntil(SimTime.FromMilliseconds(10)); // slow start behind
            long bytes = counter.Received;
            var hosts = cluster.Nodes.Select(n => n.Host).ToList();
            long[][] busy = [.. hosts.Select(h => h.Cores.Select(c => c.BusyPicoseconds).ToArray())];
            sim.RunUntil(SimTime.FromMilliseconds(25)); // Stream's writer has its 4 MiB send buffer through by about 30 ms
            double window = SimTime.FromMilliseconds(15).Picoseconds;
            double Busy(int h, int c) => (hosts[h].Cores[c].BusyPicoseconds - busy[h][c]) / window;
            int weaver = WeaveNet.WeaverCore(cluster.Node(1));
            weaverBusy = Enumerable.Range(0, hosts.Count).Max(h => Busy(h, weaver));
            otherBusiest = Enumerable.Range(0, hosts.Count).Max(h => Enumerable.Range(0, cores).Where(c => c != weaver).Max(c => Busy(h, c)));
            return (counter.Received - bytes) * 8 / 0.015;
        }

        double four = Goodput(4, out double busy4, out double other4);
        double eight = Goodput(8, out double busy8, out double other8);

        Assert.InRange(busy4, 0.95, 1.01); // one weaver's core does nothing but sleeve (a job started in the window counts whole)
        Assert.InRange(busy8, 0.95, 1.01);
        Assert.True(other4 < 0.9 && other8 < 0.9, $"another core at {other4:P0} / {other8:P0}"); // no other core is the bottleneck
        Assert.InRange(eight / four, 0.97, 1.03); // twice the cores, the same goodput
        Assert.True(four < 5e9, $"{four / 1e9:F2} Gbit/s"); // far below the 10 Gbit/s link
    }

    /// <summary>
    /// A weaver kept busy finds the next frame waiting and does not sleep between frames: a stream's frames wake it
    /// a few times at most, where a request/response exchange wakes both weavers for every frame.
    /// </summary>
    [Fact]
    public void A_busy_weaver_takes_frames_without_waking_and_an_idle_one_is_woken_by_every_frame()
    {
        var (cluster, _, _) = Stream("weave-sleeve", cores: 4, nodeMtu: 1500);
        var weave = (WeaveNet)cluster.Cni;
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(25));
        var receiving = weave.Sleeve(cluster.Node(2));
        Assert.True(receiving.FramesReceived > 2_000, $"{receiving.FramesReceived} frames");
        Assert.True(receiving.WakeUps < receiving.FramesReceived / 10, $"{receiving.WakeUps} wake-ups for {receiving.FramesReceived} frames");

        var idle = new PathCluster("weave-sleeve", "iptables", "pod-cross-node");
        var sleeve = (WeaveNet)idle.Cluster.Cni;
        idle.Send();
        idle.Send();
        foreach (var node in idle.Cluster.Nodes)
        {
            var s = sleeve.Sleeve(node);
            Assert.Equal(s.FramesSent + s.FramesReceived, s.WakeUps); // one datagram at a time: each frame finds its weaver asleep
        }
    }

    [Fact]
    public void Fastdp_on_nodes_too_small_for_its_heartbeat_falls_back_to_sleeve_through_the_datapaths_upcalls()
    {
        var cni = CniPlugin.ByName("weave");
        var cluster = new PathCluster(cni, "iptables", "pod-cross-node", nodeMtu: 1400);
        var weave = (WeaveNet)cluster.Cluster.Cni;
        var trace = cluster.Send();

        Assert.Equal(WeaveMode.Sleeve, weave.ConnectionMode(cluster.Cluster.Node(1), cluster.Cluster.Node(2))); // 1376 + 50 > 1400
        Assert.Empty(trace.Drops);
        string[] there =
        [
            "node1/root/vethwe-bridge veth", "node1/root/datapath datapath", "node1/root/datapath capture", "node1/root/vethwe-datapath sleeve+",
            "node1/root/eth0 OUTPUT", "node1/root/eth0 POSTROUTING", "node1/root/eth0 tx",
            "node2/root/eth0 rx", "node2/root/eth0 PREROUTING", "node2/root/eth0 INPUT", "node2/root deliver",
            "node2/root/vethwe-datapath sleeve-", "node2/root/vethwe-datapath veth", .. Bridged(2), "node2/root/vethwepl0000003 veth",
        ];
        Assert.Equal(["node1/client/eth0 veth", .. Bridged(1), .. there, "node2/web-1 deliver"], trace.Hops.Take(there.Length + 6));

        // No flow is ever installed for a sleeve peer: the second datagram is upcalled again.
        long before = weave.Datapath(cluster.Cluster.Node(1)).Upcalls;
        var again = cluster.Send();
        Assert.Contains("node1/root/datapath capture", again.Hops);
        Assert.Equal(0, weave.Datapath(cluster.Cluster.Node(1)).Flows);
        Assert.True(weave.Datapath(cluster.Cluster.Node(1)).Upcalls > before);
    }

    [Fact]
    public void In_the_fallback_the_weaver_answers_DF_frames_larger_than_sleeve_carries_and_TCP_shrinks_its_segments()
    {
        var (cluster, counter, client) = Stream("weave", cores: 4, nodeMtu: 1400);
        var weave = (WeaveNet)cluster.Cni;
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));
        var sleeve = weave.Sleeve(cluster.Node(1));

        Assert.Equal(1376, client.Eth0!.Mtu);
        Assert.Equal(1400 - 62, sleeve.MtuTo(weave.Sleeve(cluster.Node(2))));
        Assert.True(sleeve.FramesTooBig > 0, $"{counter.Received} bytes, {sleeve.FramesSent} frames, drops {string.Join(",", cluster.Nodes.Select(n => n.Host.Drops(DropReason.PktTooBig)))}"); // the first full-size segments: fragmentation needed at 1338
        Assert.Equal(1338, client.Namespace.PathMtu(cluster.Pod("server").Ip)); // learned from the weaver's ICMP
        Assert.True(counter.Received > 500_000, $"{counter.Received} bytes"); // and the stream goes on in smaller segments
        Assert.Equal(0, cluster.Node(1).Host.Drops(DropReason.NoTunnelEndpoint));
    }

    /// <summary>A bulk TCP stream from a pod on node1 (core 1) to a pod on node2 (core 1), both pods' nodes of <paramref name="cores"/> cores.</summary>
    private static (KubernetesCluster Cluster, TcpCounter Counter, Pod Client) Stream(string cni, int cores, int nodeMtu)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, CoresPerNode = cores, NodeMtu = nodeMtu }, CniPlugin.ByName(cni));
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("server", 2);
        var counter = new TcpCounter();
        _ = new TcpListener(server.Namespace, 5001, counter, core: 1);
        TcpSocket.Connect(client.Namespace, server.Ip, 5001, new TcpWriter(10_000_000_000, keepOpen: true), core: 1);
        return (cluster, counter, client);
    }

    /// <summary>The outer tuple and IP length of every frame a host's NIC sends.</summary>
    private sealed class WireTracer : IPacketTracer
    {
        public List<(FiveTuple Outer, int IpLength)> Sent { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
            if (stage == KernelStage.NicTransmit)
            {
                ref var p = ref ns.Host.Pool[packet];
                Sent.Add((p.VisibleFlow, p.IpLength));
            }
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }

    /// <summary>The cores each stage ran on, in order, on every traced host.</summary>
    private sealed class StageCores : IPacketTracer
    {
        private readonly List<(KernelStage Stage, int Core)> _runs = [];

        public List<int> Of(KernelStage stage) => [.. _runs.Where(r => r.Stage == stage).Select(r => r.Core).Distinct()];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds) => _runs.Add((stage, core));

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }
}
