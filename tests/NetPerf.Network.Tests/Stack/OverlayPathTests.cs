using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Tests.Stack;

/// <summary>Pod to pod across nodes: the hops flannel-vxlan, calico-ipip and calico-bgp paths really take.</summary>
public class OverlayPathTests
{
    private static (Collector Got, RecordingTracer Trace) SendOne(NodePair pair, int payload, bool trace = true)
    {
        var server = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 5201);
        var got = new Collector();
        server.Receiver = got;
        var tracer = new RecordingTracer();
        if (trace)
        {
            pair.Nodes[1].Tracer = tracer;
            pair.Nodes[2].Tracer = tracer;
        }

        var client = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 40000);
        client.Send(NodePair.PodIp(2, 1), 5201, payload);
        pair.Bed.Sim.Run();
        return (got, tracer);
    }

    private static readonly string[] FlannelVxlanHops =
    [
        "node1/pod1-1 Syscall", "node1/pod1-1 UdpOutput", "node1/pod1-1 FibLookup",
        "node1/pod1-1/eth0 IpOutput", "node1/pod1-1/eth0 VethTransmit",
        "node1/root/veth1-1 BacklogReceive", "node1/root/cni0 BridgeForward",
        "node1/root/cni0 IpInput", "node1/root/cni0 FibLookup",
        "node1/root/flannel.1 IpForward", "node1/root/flannel.1 VxlanEncapsulate",
        "node1/root FibLookup", "node1/root/eth0 IpOutput", "node1/root/eth0 NicTransmit",
        "node2/root/eth0 NicReceive", "node2/root/eth0 IpInput", "node2/root/eth0 FibLookup",
        "node2/root UdpInput", "node2/root/flannel.1 VxlanDecapsulate",
        "node2/root/flannel.1 BacklogReceive", "node2/root/flannel.1 IpInput", "node2/root/flannel.1 FibLookup",
        "node2/root/cni0 IpForward", "node2/root/cni0 BridgeForward", "node2/root/veth2-1 VethTransmit",
        "node2/pod2-1/eth0 BacklogReceive", "node2/pod2-1/eth0 IpInput", "node2/pod2-1/eth0 FibLookup",
        "node2/pod2-1 UdpInput", "node2/pod2-1 SocketDeliver",
    ];

    [Fact]
    public void Flannel_vxlan_goes_veth_cni0_flannel1_eth0_wire_eth0_udp_decap_cni0_veth()
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free());
        var (got, trace) = SendOne(pair, 100);
        Assert.True(got.Got.Count == 1, string.Join("\n", trace.Stages.Concat(trace.Drops)));
        Assert.Equal(FlannelVxlanHops, trace.Stages);
        Assert.Empty(trace.Drops);
    }

    [Fact]
    public void Calico_ipip_goes_veth_proxy_arp_host_route_tunl0_eth0_wire_eth0_ipip_decap_host_route_veth()
    {
        var pair = NodePair.CalicoIpip(CostTable.Free());
        var (got, trace) = SendOne(pair, 100);
        Assert.Single(got.Got);
        Assert.Equal(
        [
            "node1/pod1-1 Syscall", "node1/pod1-1 UdpOutput", "node1/pod1-1 FibLookup",
            "node1/pod1-1/eth0 IpOutput", "node1/pod1-1/eth0 VethTransmit",
            "node1/root/cali1 BacklogReceive", "node1/root/cali1 IpInput", "node1/root/cali1 FibLookup",
            "node1/root/tunl0 IpForward", "node1/root/tunl0 IpipEncapsulate",
            "node1/root FibLookup", "node1/root/eth0 IpOutput", "node1/root/eth0 NicTransmit",
            "node2/root/eth0 NicReceive", "node2/root/eth0 IpInput", "node2/root/eth0 FibLookup",
            "node2/root/tunl0 IpipDecapsulate", "node2/root/tunl0 BacklogReceive",
            "node2/root/tunl0 IpInput", "node2/root/tunl0 FibLookup",
            "node2/root/cali2 IpForward", "node2/root/cali2 VethTransmit",
            "node2/pod2-1/eth0 BacklogReceive", "node2/pod2-1/eth0 IpInput", "node2/pod2-1/eth0 FibLookup",
            "node2/pod2-1 UdpInput", "node2/pod2-1 SocketDeliver",
        ], trace.Stages);
    }

    [Fact]
    public void Calico_bgp_routes_straight_out_of_eth0_with_no_encapsulation()
    {
        var pair = NodePair.CalicoBgp(CostTable.Free());
        var (got, trace) = SendOne(pair, 100);
        Assert.Equal(128, Assert.Single(got.Got).IpLength);
        Assert.Equal(
        [
            "node1/pod1-1 Syscall", "node1/pod1-1 UdpOutput", "node1/pod1-1 FibLookup",
            "node1/pod1-1/eth0 IpOutput", "node1/pod1-1/eth0 VethTransmit",
            "node1/root/cali1 BacklogReceive", "node1/root/cali1 IpInput", "node1/root/cali1 FibLookup",
            "node1/root/eth0 IpForward", "node1/root/eth0 NicTransmit",
            "node2/root/eth0 NicReceive", "node2/root/eth0 IpInput", "node2/root/eth0 FibLookup",
            "node2/root/cali2 IpForward", "node2/root/cali2 VethTransmit",
            "node2/pod2-1/eth0 BacklogReceive", "node2/pod2-1/eth0 IpInput", "node2/pod2-1/eth0 FibLookup",
            "node2/pod2-1 UdpInput", "node2/pod2-1 SocketDeliver",
        ], trace.Stages);
    }

    [Fact]
    public void Across_vxlan_the_latency_is_the_stages_on_the_path_plus_the_wire_time_of_the_encapsulated_frame()
    {
        // Every stage 1 us; the 1450-byte inner packet travels in a 1500-byte outer packet: 1538 B on the wire.
        var pair = NodePair.FlannelVxlan(CostTable.Uniform(StageCost.Nanoseconds(1000)));
        var (got, _) = SendOne(pair, 1450 - 28, trace: false);
        long wire = 1538 * 8 * 100; // ps at 10 Gbit/s
        var expected = SimTime.FromMicroseconds(FlannelVxlanHops.Length) + new SimTime(wire) + NodePair.Propagation;
        Assert.Equal(expected, Assert.Single(got.Got).Latency);
        Assert.Equal(1538, pair.Eth0[1].TransmitLink!.TransmittedWireBytes);
        Assert.Equal(1514 + 4, HeaderSizes.FrameBytes(1450 + HeaderSizes.VxlanOverhead));
    }

    [Fact]
    public void A_pod_on_flannel_vxlan_cannot_send_a_DF_packet_larger_than_1450_bytes()
    {
        // sendto() refuses it at once (EMSGSIZE): the route's device, eth0, has MTU 1450.
        var pair = NodePair.FlannelVxlan(CostTable.Free());
        var server = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 5201) { Receiver = new Collector() };
        var client = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 40000);
        Assert.False(client.Send(NodePair.PodIp(2, 1), 5201, 1451 - 28, dontFragment: true));
        Assert.True(client.Send(NodePair.PodIp(2, 1), 5201, 1450 - 28, dontFragment: true));
        pair.Bed.Sim.Run();
        Assert.Equal(1, client.MessageTooLong);
        Assert.Equal(1, server.Received);
    }

    [Fact]
    public void Without_DF_a_1451_byte_datagram_leaves_the_pod_in_two_fragments_and_arrives_whole()
    {
        // (1450 - 20) rounded down to 8 is 1424 data bytes per fragment: 1431 bytes of UDP make 1424 + 7.
        var pair = NodePair.FlannelVxlan(CostTable.Free());
        var got = new Collector();
        _ = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 5201) { Receiver = got };
        var tracer = new RecordingTracer();
        pair.Nodes[1].Tracer = tracer;
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 40000).Send(NodePair.PodIp(2, 1), 5201, 1451 - 28);
        pair.Bed.Sim.Run();
        Assert.Equal(1451, Assert.Single(got.Got).IpLength);
        Assert.Equal(2, tracer.Cores.Count(c => c.Stage == KernelStage.Fragment));
        Assert.Equal(2, pair.Eth0[1].TransmitLink!.TransmittedPackets);
        Assert.Equal(HeaderSizes.WireBytes(1444 + 50) + HeaderSizes.WireBytes(27 + 50), pair.Eth0[1].TransmitLink!.TransmittedWireBytes);
        Assert.Equal(0, pair.Bed.Pool.InUse);
    }

    [Fact]
    public void Eight_ipip_flows_between_two_nodes_land_on_one_receive_queue_while_eight_vxlan_flows_spread()
    {
        static long[] QueuesUsed(NodePair pair)
        {
            var server = new Stack.Collector();
            var socket = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 5201) { Receiver = server };
            for (ushort f = 0; f < 8; f++)
            {
                new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), (ushort)(40000 + f)).Send(NodePair.PodIp(2, 1), 5201, 100);
            }

            pair.Bed.Sim.Run();
            Assert.Equal(8, server.Got.Count);
            return pair.Eth0[2].ReceivedPerQueue;
        }

        var ipip = QueuesUsed(NodePair.CalicoIpip(CostTable.Free(), cores: 8));
        var vxlan = QueuesUsed(NodePair.FlannelVxlan(CostTable.Free(), cores: 8));
        Assert.Equal(1, ipip.Count(q => q > 0));
        Assert.Equal(8, ipip.Max());
        Assert.True(vxlan.Count(q => q > 0) >= 3, $"vxlan flows used queues [{string.Join(", ", vxlan)}]");
    }
}
