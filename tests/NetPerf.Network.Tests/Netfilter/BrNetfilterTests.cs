using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// A client pod reaches a virtual IP that DNATs to a pod on the same bridge. With br_netfilter the request is
/// DNATed at the bridge and bridged to the backend (bridged_dnat: not routed, TTL untouched); the reply goes
/// straight from pod to pod across the bridge, and only br_netfilter lets conntrack see it and give it back the
/// virtual IP as its source. Without br_netfilter the request is routed through cni0's IP and the reply is not
/// un-NATed.
/// </summary>
public class BrNetfilterTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.10");

    private static FiveTuple ReplyAtClient(bool brNetfilter)
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 2);
        pair.Cni0[1]!.CallIptables = brNetfilter;
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        nf.NatPreRouting.Append(new Rule
        {
            Destination = new Ipv4Prefix(Vip, 32), Protocol = IpProtocol.Udp, DestinationPort = 53,
            Target = RuleTarget.Dnat, NatAddress = NodePair.PodIp(1, 2), NatPort = 5353,
        });
        _ = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 5353) { Receiver = new Echo() };
        var replies = new Replies();
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 40000) { Receiver = replies }.Send(Vip, 53, 20);
        pair.Bed.Sim.Run();
        return Assert.Single(replies.Got);
    }

    [Fact]
    public void With_bridge_nf_call_iptables_the_bridged_reply_is_un_NATed_to_the_virtual_IP()
    {
        var reply = ReplyAtClient(brNetfilter: true);
        Assert.Equal((Vip, (ushort)53), (reply.Source, reply.SourcePort));
    }

    [Fact]
    public void Without_it_the_reply_arrives_from_the_backend_pod_and_a_connected_client_would_reject_it()
    {
        var reply = ReplyAtClient(brNetfilter: false);
        Assert.Equal((NodePair.PodIp(1, 2), (ushort)5353), (reply.Source, reply.SourcePort));
    }

    private sealed class Ttls : IDatagramReceiver
    {
        public List<byte> Seen { get; } = [];

        public void OnDatagram(UdpSocket socket, in Packet datagram, NetPerf.Engine.Time.SimTime now) => Seen.Add(datagram.Ttl);
    }

    private static (NodePair Pair, Ttls Got) ToService(bool toSelf, bool hairpin)
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 2);
        var target = toSelf ? NodePair.PodIp(1, 1) : NodePair.PodIp(1, 2);
        pair.Nodes[1].Root.EnableNetfilter().NatPreRouting.Append(new Rule
        {
            Destination = new Ipv4Prefix(Vip, 32), Protocol = IpProtocol.Udp, DestinationPort = 53,
            Target = RuleTarget.Dnat, NatAddress = target, NatPort = 5353,
        });
        if (hairpin)
        {
            pair.Cni0[1]!.HairpinPorts.Add(pair.Cni0[1]!.Ports[0]);
        }

        var got = new Ttls();
        _ = new UdpSocket(toSelf ? pair.Pods1[0] : pair.Pods1[1], target, 5353) { Receiver = got };
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 40000).Send(Vip, 53, 20);
        pair.Bed.Sim.Run();
        return (pair, got);
    }

    [Fact]
    public void A_DNAT_to_a_pod_on_the_same_bridge_is_bridged_not_routed()
    {
        var (pair, got) = ToService(toSelf: false, hairpin: false);
        Assert.Equal([(byte)64], got.Seen); // no ip_forward: the TTL is untouched
        Assert.Equal(0, pair.Nodes[1].CpuPicosecondsOf(KernelStage.IpForward) + pair.Nodes[1].Drops(DropReason.BridgeHairpin));
    }

    [Fact]
    public void A_pod_reaches_itself_through_its_Service_only_with_hairpin_mode_on_its_bridge_port()
    {
        var (off, gotOff) = ToService(toSelf: true, hairpin: false);
        Assert.Empty(gotOff.Seen);
        Assert.Equal(1, off.Nodes[1].Drops(DropReason.BridgeHairpin));
        Assert.Equal(0, off.Nodes[1].Root.Netfilter!.Conntrack.Allocated);

        var (_, gotOn) = ToService(toSelf: true, hairpin: true);
        Assert.Single(gotOn.Seen);
    }

    [Fact]
    public void Each_flooded_copy_crosses_the_bridge_FORWARD_hook_on_its_own()
    {
        // Three pods on cni0, pod 2's MAC a permanent neighbour of pod 1 (no ARP ran, so the bridge never learned
        // it): the first frame to pod 2 is unknown to the FDB and floods to pods 2 and 3, and br_forward runs the
        // FORWARD hook for each clone: one rule, evaluated twice.
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 3);
        KnownWithoutArp(pair);
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        nf.FilterForward.Append(new Rule { Destination = Ipv4Prefix.Parse("203.0.113.0/24"), Target = RuleTarget.Drop });
        var two = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 7000) { Receiver = new Replies() };
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000).Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();
        Assert.Equal(1, two.Received);
        Assert.Equal(1, pair.Cni0[1]!.Floods);
        Assert.Equal(2, nf.RulesEvaluated);
    }

    [Fact]
    public void A_flood_confirms_one_connection_for_all_its_copies_and_leaks_none()
    {
        // The first frame to pod 2 floods to pods 2 and 3 (no ARP ran); both copies carry the same new connection.
        var pair = NodePair.FlannelVxlan(CostTable.Free(), pods1: 3);
        KnownWithoutArp(pair);
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        var two = new UdpSocket(pair.Pods1[1], NodePair.PodIp(1, 2), 7000) { Receiver = new Replies() };
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 7000).Send(NodePair.PodIp(1, 2), 7000, 10);
        pair.Bed.Sim.Run();
        Assert.Equal(1, two.Received);
        Assert.Equal(1, nf.Conntrack.Count);      // one connection, confirmed once by the copies
        Assert.Equal(1, nf.Conntrack.Allocated);  // and nothing leaked or freed under a live reference
    }

    /// <summary>Pod 1 holds pod 2's MAC as a permanent neighbour entry: it sends without ARP, so cni0 has not learned pod 2's port.</summary>
    private static void KnownWithoutArp(NodePair pair)
    {
        var pod2Eth0 = pair.Pods1[1].Devices.Single(d => d.Name == "eth0");
        pair.Pods1[0].AddNeighbour(NodePair.PodIp(1, 2), pod2Eth0.Mac);
    }
}
