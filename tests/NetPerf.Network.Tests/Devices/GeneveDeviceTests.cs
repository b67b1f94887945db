using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Devices;

/// <summary>
/// A metadata-mode Geneve device (<c>ip link add gnv0 type geneve external</c>, drivers/net/geneve.c) on two routed
/// nodes: it sends only what comes with a tunnel key (here from a tc program, as Cilium's bpf_skb_set_tunnel_key and
/// redirect), as UDP to 6081 carrying the inner frame, and the far node's device takes it off its UDP socket.
/// </summary>
public class GeneveDeviceTests
{
    /// <summary>Sets each packet's tunnel key and redirects it to the device, as a tc program calling bpf_skb_set_tunnel_key then bpf_redirect does.</summary>
    private sealed class SetTunnelKey(GeneveDevice tunnel, Ipv4Address remote, MacAddress innerDestination) : TcProgram
    {
        public override string Name => "set_tunnel_key";

        public override TcVerdict Run(NetDevice device, ref PacketWalk walk)
        {
            walk.P.Ttl--;
            walk.P.DestinationMac = innerDestination; // the far device's own, so its stack takes the inner frame as its host's
            tunnel.TransmitTo(ref walk, remote, vni: 2);
            return TcVerdict.Redirected;
        }
    }

    /// <summary>What each NIC transmit put on the wire: the tuple the underlay sees and the IP length.</summary>
    private sealed class WireLog : IPacketTracer
    {
        public List<(FiveTuple Visible, int IpLength, EncapsulationKind Kind)> Sent { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
            if (stage == KernelStage.NicTransmit)
            {
                ref var p = ref ns.Host.Pool[packet];
                Sent.Add((p.VisibleFlow, p.IpLength, p.Encapsulation.Kind));
            }
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }

    [Fact]
    public void A_keyed_packet_crosses_the_underlay_as_udp_to_6081_50_bytes_longer_and_reaches_the_far_pod_as_it_was_sent()
    {
        var pair = NodePair.CalicoBgp(CostTable.Default());
        var one = new GeneveDevice(pair.Nodes[1].Root, "gnv0", NodePair.NodeIp(1));
        var two = new GeneveDevice(pair.Nodes[2].Root, "gnv0", NodePair.NodeIp(2));
        pair.Nodes[1].Root.Devices.Single(d => d.Name == "cali1").TcIngress = new SetTunnelKey(one, NodePair.NodeIp(2), two.Mac);
        var wire = new WireLog();
        pair.Nodes[1].Tracer = wire;
        var heard = new Collector();
        var server = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 7000) { Receiver = heard };

        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000).Send(NodePair.PodIp(2, 1), 7000, 100);
        pair.Bed.Sim.Run();

        var sent = Assert.Single(wire.Sent);
        Assert.Equal(EncapsulationKind.Geneve, sent.Kind);
        Assert.Equal(new FiveTuple(NodePair.NodeIp(1), NodePair.NodeIp(2), IpProtocol.Udp, sent.Visible.SourcePort, 6081), sent.Visible);
        Assert.Equal(20 + 8 + 100 + 50, sent.IpLength); // outer IPv4 20 + UDP 8 + Geneve 8 + inner Ethernet 14
        Assert.Equal(1, server.Received);
        Assert.Equal(20 + 8 + 100, Assert.Single(heard.Got).IpLength); // the pod's own packet, the outer headers gone
        Assert.True(pair.Nodes[1].CpuPicosecondsOf(KernelStage.GeneveEncapsulate) > 0);
        Assert.True(pair.Nodes[2].CpuPicosecondsOf(KernelStage.GeneveDecapsulate) > 0);
        Assert.Equal(0, pair.Nodes[1].CpuPicosecondsOf(KernelStage.VxlanEncapsulate));
    }

    [Fact]
    public void A_packet_the_stack_routes_to_it_without_a_tunnel_key_is_dropped_as_geneve_xmit_drops_it()
    {
        var pair = NodePair.CalicoBgp(CostTable.Free());
        var one = new GeneveDevice(pair.Nodes[1].Root, "gnv0", NodePair.NodeIp(1));
        pair.Nodes[1].Root.AddRoute($"{NodePair.PodIp(2, 1)}/32", one); // more specific than the route via node 2
        pair.Nodes[1].Root.AddNeighbour(NodePair.PodIp(2, 1), one.Mac); // resolved, so the packet reaches the driver
        var server = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 7000) { Receiver = new Collector() };

        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000).Send(NodePair.PodIp(2, 1), 7000, 100);
        pair.Bed.Sim.Run();

        Assert.Equal(0, server.Received);
        Assert.Equal(1, pair.Nodes[1].Drops(DropReason.NoTunnelEndpoint));
    }
}
