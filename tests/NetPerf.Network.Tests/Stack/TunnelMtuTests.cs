using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Tests.Stack;

/// <summary>
/// A tunnel whose pods were given the node's MTU (1500), the encapsulation's overhead not subtracted: a full-size
/// inner packet makes an outer one larger than the underlay's 1500 bytes. What happens then is the tunnel's DF.
/// </summary>
public class TunnelMtuTests
{
    private const int FullSize = 1500 - 28; // UDP payload of a 1500-byte IP datagram

    private static (Collector Got, UdpSocket Client) Udp(NodePair pair)
    {
        var got = new Collector();
        _ = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 5201) { Receiver = got };
        return (got, new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 40000));
    }

    [Fact]
    public void VXLAN_with_df_unset_fragments_the_outer_packet_and_the_far_node_reassembles_it_before_decapsulation()
    {
        // 1550 bytes of outer IP: 1530 of data after the outer header, in fragments of 1480 and 50 (1500 and 70 on the wire).
        var pair = NodePair.FlannelVxlan(CostTable.Free(), podMtu: 1500);
        var (got, client) = Udp(pair);
        var sender = new RecordingTracer();
        var receiver = new RecordingTracer();
        pair.Nodes[1].Tracer = sender;
        pair.Nodes[2].Tracer = receiver;
        Assert.True(client.Send(NodePair.PodIp(2, 1), 5201, FullSize, dontFragment: true));
        pair.Bed.Sim.Run();

        Assert.Equal(1500, Assert.Single(got.Got).IpLength); // the inner datagram as sent, DF and all
        Assert.Equal(2, pair.Eth0[1].TransmitLink!.TransmittedPackets);
        Assert.Equal(HeaderSizes.WireBytes(1500) + HeaderSizes.WireBytes(70), pair.Eth0[1].TransmitLink!.TransmittedWireBytes);
        Assert.Equal(2, sender.Cores.Count(c => c.Stage == KernelStage.Fragment));
        Assert.Equal(2, receiver.Cores.Count(c => c.Stage == KernelStage.Reassemble));
        Assert.Equal(1, receiver.Cores.Count(c => c.Stage == KernelStage.VxlanDecapsulate)); // once, on the whole datagram
        Assert.Equal(0, pair.Bed.Pool.InUse);
    }

    [Fact]
    public void With_conntrack_on_the_far_node_the_fragments_are_reassembled_before_it_and_it_sees_one_outer_packet()
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free(), podMtu: 1500);
        _ = pair.Nodes[2].Root.EnableNetfilter();
        var receiver = new RecordingTracer();
        pair.Nodes[2].Tracer = receiver;
        var (got, client) = Udp(pair);
        client.Send(NodePair.PodIp(2, 1), 5201, FullSize, dontFragment: true);
        pair.Bed.Sim.Run();
        Assert.Single(got.Got);
        // nf_defrag_ipv4 at PREROUTING: both fragments reassembled, then one lookup of the outer flow.
        var stages = receiver.Cores.Select(c => c.Stage).ToList();
        Assert.Equal(1, stages.Count(s => s == KernelStage.ConntrackOuterLookup));
        Assert.True(stages.LastIndexOf(KernelStage.Reassemble) < stages.IndexOf(KernelStage.ConntrackOuterLookup));
    }

    [Theory]
    [InlineData(VxlanDf.Set)]
    [InlineData(VxlanDf.Inherit)]
    public void VXLAN_with_DF_on_the_outer_header_loses_the_packet_and_the_pod_is_told_nothing(VxlanDf df)
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free(), podMtu: 1500, df: df);
        var (got, client) = Udp(pair);
        Assert.True(client.Send(NodePair.PodIp(2, 1), 5201, FullSize, dontFragment: true));
        pair.Bed.Sim.Run();

        Assert.Empty(got.Got);
        Assert.Equal(1, pair.Nodes[1].Drops(DropReason.PktTooBig));
        Assert.Equal(0, pair.Eth0[1].TransmitLink!.TransmittedPackets);
        Assert.Null(pair.Pods1[0].PathMtu(NodePair.PodIp(2, 1))); // a routed vxlan device sends no error to the inner source
        Assert.True(client.Send(NodePair.PodIp(2, 1), 5201, FullSize, dontFragment: true)); // so the pod keeps sending them
        pair.Bed.Sim.Run();
        Assert.Equal(2, pair.Nodes[1].Drops(DropReason.PktTooBig));
        Assert.Equal(0, pair.Bed.Pool.InUse);
    }

    [Fact]
    public void VXLAN_df_inherit_fragments_a_datagram_sent_without_DF()
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free(), podMtu: 1500, df: VxlanDf.Inherit);
        var (got, client) = Udp(pair);
        client.Send(NodePair.PodIp(2, 1), 5201, FullSize);
        pair.Bed.Sim.Run();
        Assert.Single(got.Got);
        Assert.Equal(2, pair.Eth0[1].TransmitLink!.TransmittedPackets);
    }

    [Fact]
    public void IP_in_IP_answers_a_DF_packet_too_large_for_the_underlay_with_fragmentation_needed_and_the_pod_learns_1480()
    {
        var pair = NodePair.CalicoIpip(CostTable.Free(), podMtu: 1500);
        var (got, client) = Udp(pair);
        var dest = NodePair.PodIp(2, 1);
        Assert.True(client.Send(dest, 5201, FullSize, dontFragment: true));
        pair.Bed.Sim.Run();

        Assert.Empty(got.Got);
        Assert.Equal(1, pair.Nodes[1].Drops(DropReason.PktTooBig));
        Assert.Equal(1480, pair.Pods1[0].PathMtu(dest)); // the underlay's 1500 less the 20-byte outer header
        Assert.False(client.Send(dest, 5201, FullSize, dontFragment: true)); // EMSGSIZE now
        Assert.True(client.Send(dest, 5201, 1480 - 28, dontFragment: true));
        pair.Bed.Sim.Run();
        Assert.Single(got.Got);
        Assert.Equal(0, pair.Bed.Pool.InUse);
    }

    [Fact]
    public void With_fragmentation_needed_dropped_by_the_node_s_firewall_the_pod_never_learns_and_every_large_packet_vanishes()
    {
        var pair = NodePair.CalicoIpip(CostTable.Free(), podMtu: 1500);
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        nf.FilterOutput.Append(new Rule { Protocol = IpProtocol.Icmp, IcmpFragmentationNeeded = true, Target = RuleTarget.Drop });
        var (got, client) = Udp(pair);
        var dest = NodePair.PodIp(2, 1);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(client.Send(dest, 5201, FullSize, dontFragment: true));
            pair.Bed.Sim.Run();
        }

        Assert.True(client.Send(dest, 5201, 100, dontFragment: true)); // a small one gets through
        pair.Bed.Sim.Run();
        Assert.Equal(100 + 28, Assert.Single(got.Got).IpLength);
        Assert.Null(pair.Pods1[0].PathMtu(dest));
        Assert.Equal(3, pair.Nodes[1].Drops(DropReason.PktTooBig));
        Assert.Equal(3, pair.Nodes[1].Drops(DropReason.Netfilter)); // the three errors
    }

    [Fact]
    public void IP_in_IP_fragments_the_outer_packet_of_a_datagram_sent_without_DF()
    {
        var pair = NodePair.CalicoIpip(CostTable.Free(), podMtu: 1500);
        var (got, client) = Udp(pair);
        client.Send(NodePair.PodIp(2, 1), 5201, FullSize);
        pair.Bed.Sim.Run();
        Assert.Equal(1500, Assert.Single(got.Got).IpLength);
        Assert.Equal(HeaderSizes.WireBytes(1500) + HeaderSizes.WireBytes(40), pair.Eth0[1].TransmitLink!.TransmittedWireBytes);
    }
}
