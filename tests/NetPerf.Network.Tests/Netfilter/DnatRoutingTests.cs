using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// What an established DNATed flow costs in routing and rewriting. A received packet has one routing decision
/// (ip_rcv_finish, net/ipv4/ip_input.c) and PREROUTING, DNAT included, runs before it, so DNAT there adds no
/// lookup; br_netfilter routes a packet it DNATed itself and IP input keeps that route. Only a locally
/// generated packet, routed before OUTPUT, is routed again after a DNAT there (ip_route_me_harder). Every
/// established packet is rewritten once per direction (nf_nat_manip_pkt): the destination of a request at
/// PREROUTING, the source of a reply at POSTROUTING.
/// </summary>
public class DnatRoutingTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.10");

    private static Rule DnatToNode2() => new()
    {
        Destination = new Ipv4Prefix(Vip, 32), Protocol = IpProtocol.Udp, DestinationPort = 53,
        Target = RuleTarget.Dnat, NatAddress = NodePair.NodeIp(2), NatPort = 5353,
    };

    private static int Count(RecordingTracer tracer, string where, KernelStage stage) =>
        tracer.Stages.Count(s => (s.StartsWith(where + "/", StringComparison.Ordinal) || s.StartsWith(where + " ", StringComparison.Ordinal))
            && s.EndsWith(" " + stage, StringComparison.Ordinal));

    [Theory]
    [InlineData(false)] // routed through cni0's address: PREROUTING in ip_rcv, then ip_rcv_finish's lookup
    [InlineData(true)]  // bridge-nf-call-iptables: PREROUTING and the route at the bridge (br_nf_pre_routing_finish)
    public void A_forwarded_established_packet_DNATed_at_PREROUTING_is_routed_once(bool brNetfilter)
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free());
        pair.Cni0[1]!.CallIptables = brNetfilter;
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        nf.NatPreRouting.Append(DnatToNode2());
        var server = new Replies();
        _ = new UdpSocket(pair.Nodes[2].Root, NodePair.NodeIp(2), 5353) { Receiver = server };
        var client = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 40000);
        client.Send(Vip, 53, 20); // the connection's first packet
        pair.Bed.Sim.Run();

        var tracer = new RecordingTracer();
        pair.Nodes[1].Tracer = tracer;
        client.Send(Vip, 53, 20); // established
        pair.Bed.Sim.Run();

        Assert.Equal(2, server.Got.Count);
        Assert.All(server.Got, f => Assert.Equal((NodePair.NodeIp(2), (ushort)5353), (f.Destination, f.DestinationPort)));
        Assert.Equal(1, Count(tracer, "node1/root", KernelStage.FibLookup));
        Assert.Equal(1, Count(tracer, "node1/root", KernelStage.Nat));
    }

    [Fact]
    public void A_locally_generated_established_packet_DNATed_at_OUTPUT_is_routed_again()
    {
        var pair = NodePair.FlannelVxlan(CostTable.Free());
        // The virtual address needs a route for the first lookup, as a node's default route gives it.
        pair.Nodes[1].Root.AddRoute("0.0.0.0/0", pair.Eth0[1], via: "192.168.0.254");
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        nf.NatOutput.Append(DnatToNode2());
        var server = new Replies();
        _ = new UdpSocket(pair.Nodes[2].Root, NodePair.NodeIp(2), 5353) { Receiver = server };
        var client = new UdpSocket(pair.Nodes[1].Root, NodePair.NodeIp(1), 40000);
        client.Send(Vip, 53, 20);
        pair.Bed.Sim.Run();

        var tracer = new RecordingTracer();
        pair.Nodes[1].Tracer = tracer;
        client.Send(Vip, 53, 20);
        pair.Bed.Sim.Run();

        Assert.Equal(2, server.Got.Count);
        Assert.Equal(2, Count(tracer, "node1/root", KernelStage.FibLookup)); // before OUTPUT, and ip_route_me_harder
        Assert.Equal(1, Count(tracer, "node1/root", KernelStage.Nat));
    }

    [Fact]
    public void An_established_DNATed_exchange_is_rewritten_once_each_way()
    {
        // The request's destination at PREROUTING, the reply's source at POSTROUTING: two rewrites per round
        // trip on the DNATing node, none on the other hooks it crosses.
        var pair = NodePair.FlannelVxlan(CostTable.Free());
        pair.Cni0[1]!.CallIptables = true;
        pair.Nodes[1].Root.EnableNetfilter().NatPreRouting.Append(DnatToNode2());
        _ = new UdpSocket(pair.Nodes[2].Root, NodePair.NodeIp(2), 5353) { Receiver = new Echo() };
        var replies = new Replies();
        var client = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 40000) { Receiver = replies };
        client.Send(Vip, 53, 20);
        pair.Bed.Sim.Run();

        var tracer = new RecordingTracer();
        pair.Nodes[1].Tracer = tracer;
        client.Send(Vip, 53, 20);
        pair.Bed.Sim.Run();

        Assert.Equal(2, replies.Got.Count);
        Assert.Equal((Vip, (ushort)53), (replies.Got[1].Source, replies.Got[1].SourcePort));
        Assert.Equal(["node1/root/cni0 Nat", "node1/root/cni0 Nat"], tracer.Stages.Where(s => s.EndsWith(" Nat", StringComparison.Ordinal)));
        // Routing on node1's root: the request once (at the bridge); the reply, back over flannel's VXLAN, once
        // as the outer packet (to the local VTEP) and once as the inner one after decapsulation.
        Assert.Equal(3, Count(tracer, "node1/root", KernelStage.FibLookup));
    }
}
