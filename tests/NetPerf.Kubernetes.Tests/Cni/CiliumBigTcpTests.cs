using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Cilium's IPv4 BIG TCP (enable-ipv4-big-tcp; pkg/datapath/linux/bigtcp: gso_ipv4_max_size and gro_ipv4_max_size
/// 196608 on the node's device, and on the pods' veths through the CNI plugin; Linux 6.3). TCP sizes its
/// super-packets by the route's device (sk_setup_caps: sk_gso_max_size = gso_ipv4_max_size - MAX_TCP_HEADER - 1;
/// tcp_tso_autosize caps a super-packet at it), so a bulk stream's are three times as large, and the stack, the
/// BPF programs and the NIC driver, which run per super-packet, run a third as often for the same bytes.
/// </summary>
public class CiliumBigTcpTests
{
    private const long Bytes = 40_000_000;

    /// <summary>The payload of every data packet a pod's lxc program saw on node1 (one per super-packet).</summary>
    private sealed class SuperPackets : IPacketTracer
    {
        public List<int> Payloads { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
            if (stage == KernelStage.BpfFromContainer && ns.Host.Pool[packet].PayloadBytes > 0)
            {
                Payloads.Add(ns.Host.Pool[packet].PayloadBytes);
            }
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }

    /// <summary>netperf's TCP_STREAM sender: writes until <see cref="Bytes"/> are taken, refilling the send buffer as ACKs free it.</summary>
    private sealed class BulkSender : ITcpApplication
    {
        private long _left = Bytes;

        public void OnConnected(TcpSocket socket) => OnSendSpace(socket);

        public void OnSendSpace(TcpSocket socket) => _left -= socket.Send(_left);

        public void OnReceived(TcpSocket socket, long bytes)
        {
        }

        public void OnPeerClosed(TcpSocket socket)
        {
        }

        public void OnClosed(TcpSocket socket)
        {
        }
    }

    private static (SuperPackets Trace, long Received, long CpuPicoseconds, KubernetesCluster Cluster) Stream(bool bigTcp)
    {
        var cilium = new CiliumDatapath(CiliumRouting.Native, CiliumHostRouting.Ebpf, kubeProxyReplacement: true) { BigTcp = bigTcp };
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, cilium);
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("server", 2);
        var counter = new TcpCounter();
        _ = new TcpListener(server.Namespace, 5001, counter);
        var trace = new SuperPackets();
        cluster.Node(1).Host.Tracer = trace;
        _ = TcpSocket.Connect(client.Namespace, server.Ip, 5001, new BulkSender());
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200));
        long cpu = cluster.Nodes.Sum(n => n.Host.TotalCpuPicoseconds);
        return (trace, counter.Received, cpu, cluster);
    }

    [Fact]
    public void A_bulk_streams_super_packets_carry_up_to_192_KiB_with_BIG_TCP_and_64_KiB_without_and_its_cpu_per_byte_drops()
    {
        var legacy = Stream(bigTcp: false);
        var big = Stream(bigTcp: true);
        Assert.Equal(Bytes, legacy.Received);
        Assert.Equal(Bytes, big.Received);

        // 1448-byte segments (MTU 1500, timestamps): 45 fit 65536 - 321, 135 fit 196608 - 321.
        Assert.Equal(45 * 1448, legacy.Trace.Payloads.Max());
        Assert.Equal(135 * 1448, big.Trace.Payloads.Max());
        Assert.All(big.Trace.Payloads, p => Assert.True(p <= CiliumDatapath.BigTcpMaxSize));

        // The same bytes in about a third as many packets through the per-packet stages...
        double ratio = (double)legacy.Trace.Payloads.Count / big.Trace.Payloads.Count;
        Assert.InRange(ratio, 2.5, 3.2);

        // ...so the CPU per byte falls; the per-segment and per-byte work (the wire's frames, GRO's merges, the copies) does not.
        double legacyPerByte = (double)legacy.CpuPicoseconds / legacy.Received;
        double bigPerByte = (double)big.CpuPicoseconds / big.Received;
        Assert.True(bigPerByte < 0.95 * legacyPerByte, $"CPU per byte {bigPerByte / 1000:F3} ns with BIG TCP, {legacyPerByte / 1000:F3} ns without");
        Assert.Equal(
            legacy.Cluster.Node(2).Host.CpuPicosecondsOf(KernelStage.GroReceive) / CostTable.Default()[KernelStage.GroReceive].FixedPicoseconds,
            big.Cluster.Node(2).Host.CpuPicosecondsOf(KernelStage.GroReceive) / CostTable.Default()[KernelStage.GroReceive].FixedPicoseconds,
            tolerance: 0.02 * legacy.Cluster.Node(2).Host.CpuPicosecondsOf(KernelStage.GroReceive) / CostTable.Default()[KernelStage.GroReceive].FixedPicoseconds);
    }

    [Fact]
    public void The_devices_BIG_TCP_raises_are_the_nodes_and_the_pods_and_Cilium_refuses_it_in_a_tunnel()
    {
        var (_, _, _, cluster) = Stream(bigTcp: true);
        var node = cluster.Node(1);
        Assert.Equal(CiliumDatapath.BigTcpMaxSize, node.Eth0.GsoIpv4MaxSize);
        Assert.Equal(CiliumDatapath.BigTcpMaxSize, node.Eth0.GroIpv4MaxSize);
        var client = cluster.Pod("client");
        Assert.All(client.Namespace.Devices.OfType<VethDevice>(), d => Assert.Equal(CiliumDatapath.BigTcpMaxSize, d.GsoIpv4MaxSize));
        Assert.All(client.Namespace.Devices.OfType<VethDevice>(), d => Assert.Equal(CiliumDatapath.BigTcpMaxSize, ((VethDevice)d).Peer.GsoIpv4MaxSize));

        // validateConfig: "BIG TCP is not supported in tunneling mode", "... with legacy host routing".
        Assert.Throws<NotSupportedException>(() => new KubernetesCluster(new ClusterOptions { Nodes = 2 }, new CiliumDatapath(CiliumRouting.Vxlan, CiliumHostRouting.Ebpf, true) { BigTcp = true }));
        Assert.Throws<NotSupportedException>(() => new KubernetesCluster(new ClusterOptions { Nodes = 2 }, new CiliumDatapath(CiliumRouting.Native, CiliumHostRouting.Legacy, true) { BigTcp = true }));
    }
}
