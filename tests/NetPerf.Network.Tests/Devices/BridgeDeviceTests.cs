using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Network.Tests.Devices;

public class BridgeDeviceTests
{
    [Fact]
    public void A_bridge_floods_an_unknown_destination_learns_from_the_reply_then_stops_flooding_until_the_entry_ages_out()
    {
        // Three pods on cni0. Pod 1 talks to pod 2; pod 3 sees only the flooded first frame, and drops it as
        // not its own.
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 3);
        var cni0 = pair.Cni0[1]!;
        var one = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000) { Receiver = new Collector() };
        var two = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 7000) { Receiver = new Collector() };
        var node = pair.Nodes[1];

        one.Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();
        Assert.Equal(1, cni0.Floods);
        Assert.Equal(1, node.Drops(DropReason.OtherHost)); // pod 3's copy

        two.Send(NodePair.PodIp(1, 1), 7000, 10);  // pod 1's MAC was learned from its first frame
        pair.Bed.Sim.Run();
        one.Send(NodePair.PodIp(1, 2), 7000, 10);  // pod 2's MAC was learned from the reply
        pair.Bed.Sim.Run();
        Assert.Equal(1, cni0.Floods);
        Assert.Equal(3, one.Received + two.Received);

        // 300 s of silence: both entries age out, and the next frame floods again.
        pair.Bed.Sim.RunUntil(pair.Bed.Sim.Now + SimTime.FromSeconds(301));
        one.Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();
        Assert.Equal(2, cni0.Floods);
        Assert.Equal(2, node.Drops(DropReason.OtherHost));
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
}
