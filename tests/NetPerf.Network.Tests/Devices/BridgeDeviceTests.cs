using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Network.Tests.Devices;

public class BridgeDeviceTests
{
    [Fact]
    public void The_ARP_exchange_teaches_the_bridge_both_ports_so_the_first_frame_is_not_flooded()
    {
        // Three pods on cni0. Pod 1 resolves pod 2 before its first frame: the broadcast request is learned on pod
        // 1's port, the reply on pod 2's, so the frame goes to pod 2 alone and pod 3 sees nothing.
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 3);
        var cni0 = pair.Cni0[1]!;
        var one = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000) { Receiver = new Collector() };
        var two = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 7000) { Receiver = new Collector() };
        var node = pair.Nodes[1];

        one.Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();
        two.Send(NodePair.PodIp(1, 1), 7000, 10);
        pair.Bed.Sim.Run();

        Assert.Equal(0, cni0.Floods);
        Assert.Equal(0, node.Drops(DropReason.OtherHost));
        Assert.Equal(2, one.Received + two.Received);
    }

    [Fact]
    public void A_frame_floods_when_its_entry_aged_out_while_the_neighbour_cache_still_holds_the_MAC_and_the_reply_teaches_the_bridge_again()
    {
        // 300 s of silence ages both FDB entries (BR_DEFAULT_AGEING_TIME) but not the neighbour entries, which Linux
        // keeps STALE and uses as they are: the next frame's destination is unknown to the bridge and floods to
        // pods 2 and 3; pod 3 drops its copy as not its own (PACKET_OTHERHOST).
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 3);
        var cni0 = pair.Cni0[1]!;
        var one = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000) { Receiver = new Collector() };
        var two = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 7000) { Receiver = new Collector() };
        var node = pair.Nodes[1];
        one.Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();

        pair.Bed.Sim.RunUntil(pair.Bed.Sim.Now + SimTime.FromSeconds(301));
        one.Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();
        Assert.Equal(1, cni0.Floods);
        Assert.Equal(1, node.Drops(DropReason.OtherHost));

        two.Send(NodePair.PodIp(1, 1), 7000, 10);  // pod 1's MAC was learned again from the flooded frame
        pair.Bed.Sim.Run();
        one.Send(NodePair.PodIp(1, 2), 7000, 10);  // pod 2's from the reply
        pair.Bed.Sim.Run();
        Assert.Equal(1, cni0.Floods);
        Assert.Equal(4, one.Received + two.Received);
    }

    [Fact]
    public void Same_node_pods_talk_through_the_bridge_without_leaving_the_node()
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 2);
        var tracer = new RecordingTracer();
        pair.Nodes[1].Tracer = tracer;
        var two = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 7000) { Receiver = new Collector() };
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000).Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();
        Assert.Equal(1, two.Received);
        Assert.Equal(
        [
            "node1/pod1-1 Syscall", "node1/pod1-1 UdpOutput", "node1/pod1-1 FibLookup",
            "node1/pod1-1/eth0 IpOutput", "node1/pod1-1/eth0 VethTransmit",
            "node1/root/veth1-1 BacklogReceive", "node1/root/cni0 BridgeForward", "node1/root/veth1-2 VethTransmit",
            "node1/pod1-2/eth0 BacklogReceive", "node1/pod1-2/eth0 IpInput", "node1/pod1-2/eth0 FibLookup",
            "node1/pod1-2 UdpInput", "node1/pod1-2 SocketDeliver",
        ], tracer.Stages);
        Assert.Equal(0, pair.Eth0[1].TransmitLink!.TransmittedPackets);
    }

    [Fact]
    public void Two_bridges_in_series_are_one_segment_ARP_crosses_both_and_each_learns_where_the_far_station_is()
    {
        // a - br0 (s1) - veth - br0 (s2) - b, one /24: a's request is flooded through s1's bridge into s2's, whose
        // port to b answers; the reply teaches both bridges, so the data frame floods on neither.
        var bed = new Topology.Testbed();
        var host = new Topology.Host(bed, "lab", CostTable.Free(), 1);
        var a = host.CreateNamespace("a");
        var s1 = host.CreateNamespace("s1");
        var s2 = host.CreateNamespace("s2");
        var b = host.CreateNamespace("b");
        var (va, p1) = VethDevice.CreatePair(a, "eth0", s1, "pa");
        var (l1, r1) = VethDevice.CreatePair(s1, "l1", s2, "r1");
        var (p2, vb) = VethDevice.CreatePair(s2, "pb", b, "eth0");
        var br1 = new BridgeDevice(s1, "br0") { CallIptables = false };
        var br2 = new BridgeDevice(s2, "br0") { CallIptables = false };
        br1.Enslave(p1);
        br1.Enslave(l1);
        br2.Enslave(r1);
        br2.Enslave(p2);
        a.AddAddress(va, "10.0.0.1/24");
        b.AddAddress(vb, "10.0.0.2/24");
        var server = new UdpSocket(b, Ipv4Address.Parse("10.0.0.2"), 9) { Receiver = new Collector() };
        var client = new UdpSocket(a, Ipv4Address.Parse("10.0.0.1"), 5000) { Receiver = new Collector() };

        client.Send(Ipv4Address.Parse("10.0.0.2"), 9, 10);
        bed.Sim.Run();
        server.Send(Ipv4Address.Parse("10.0.0.1"), 5000, 10);
        bed.Sim.Run();

        Assert.Equal(1, server.Received);
        Assert.Equal(1, client.Received);
        Assert.Equal(0, br1.Floods + br2.Floods);
    }

    [Fact]
    public void Bridges_joined_in_a_loop_answer_an_address_nobody_has_with_nothing_rather_than_asking_each_other_forever()
    {
        // Two bridges joined by two veth pairs (no STP): the request for an absent address goes round once and stops.
        var bed = new Topology.Testbed();
        var host = new Topology.Host(bed, "lab", CostTable.Free(), 1);
        var a = host.CreateNamespace("a");
        var s1 = host.CreateNamespace("s1");
        var s2 = host.CreateNamespace("s2");
        var (va, p1) = VethDevice.CreatePair(a, "eth0", s1, "pa");
        var (x1, x2) = VethDevice.CreatePair(s1, "x1", s2, "x2");
        var (y1, y2) = VethDevice.CreatePair(s1, "y1", s2, "y2");
        var br1 = new BridgeDevice(s1, "br0") { CallIptables = false };
        var br2 = new BridgeDevice(s2, "br0") { CallIptables = false };
        br1.Enslave(p1);
        br1.Enslave(x1);
        br1.Enslave(y1);
        br2.Enslave(x2);
        br2.Enslave(y2);
        a.AddAddress(va, "10.0.0.1/24");

        Assert.Null(va.ResolveOnLink(Ipv4Address.Parse("10.0.0.99")));
    }
}
