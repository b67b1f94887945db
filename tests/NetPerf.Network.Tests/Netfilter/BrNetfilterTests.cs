using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// A client pod reaches a virtual IP that DNATs to a pod on the same bridge. The request is routed (it goes to
/// the gateway, cni0), but the reply goes straight from pod to pod across the bridge: only br_netfilter lets
/// conntrack see it and give it back the virtual IP as its source.
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
}
