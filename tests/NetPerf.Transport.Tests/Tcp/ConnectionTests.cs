using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Transport.Tests.Tcp;

public class ConnectionTests
{
    private const long TenGig = 10_000_000_000;

    private static TwoNodes Wire() => new(CostTable.Free(), TenGig, SimTime.FromMicroseconds(10));

    [Fact]
    public void The_MSS_is_the_route_MTU_less_40_and_timestamps_take_12_bytes_of_each_segment()
    {
        var n = Wire();
        _ = new TcpListener(n.HostB.Root, 5001, new Sink());
        var direct = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Idle());
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));
        Assert.Equal(1460, direct.AdvertisedMss);
        Assert.Equal(1448, direct.SegmentPayload);

        var vxlan = NodePair.FlannelVxlan(CostTable.Free());
        _ = new TcpListener(vxlan.Pod2, 5001, new Sink());
        var overlay = TcpSocket.Connect(vxlan.Pods1[0], NodePair.PodIp(2, 1), 5001, new Idle());
        vxlan.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));
        Assert.Equal(TcpState.Established, overlay.State);
        Assert.Equal(1410, overlay.AdvertisedMss);
        Assert.Equal(1398, overlay.SegmentPayload);
    }

    [Fact]
    public void Only_the_first_packet_of_a_connection_walks_the_nat_rules_and_its_replies_are_un_NATed()
    {
        // A client reaching a virtual IP: 1,000 nat OUTPUT rules that do not match, then the DNAT that does.
        var n = Wire();
        var nf = n.HostA.Root.EnableNetfilter();
        for (int i = 0; i < 1000; i++)
        {
            nf.NatOutput.Append(new Rule { Destination = Ipv4Prefix.Parse($"10.97.{i / 250}.{i % 250}/32"), Target = RuleTarget.Accept });
        }

        var vip = Ipv4Address.Parse("10.96.0.10");
        nf.NatOutput.Append(new Rule { Destination = new Ipv4Prefix(vip, 32), Protocol = IpProtocol.Tcp, DestinationPort = 80, Target = RuleTarget.Dnat, NatAddress = TwoNodes.B, NatPort = 5001 });
        n.HostA.Root.AddRoute("10.96.0.0/12", n.NicA);
        var sink = new Sink();
        _ = new TcpListener(n.HostB.Root, 5001, sink);
        var client = TcpSocket.Connect(n.HostA.Root, vip, 80, new Source(1_000_000));
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(1_000_000, sink.Received);
        Assert.True(client.Statistics.PacketsSent > 10);
        Assert.Equal(1001, nf.RulesEvaluated); // the SYN alone; conntrack carries every later packet
        Assert.Equal(1, nf.Conntrack.Count);
        Assert.Equal(0, client.Statistics.ForeignSegments); // every reply came back from the virtual IP
    }

    [Fact]
    public void An_unanswered_SYN_is_resent_at_1_3_7_15_31_and_63_seconds_and_then_connect_fails()
    {
        var n = Wire();
        n.HostB.Root.EnableNetfilter().FilterInput.Append(new Rule { Protocol = IpProtocol.Tcp, Target = RuleTarget.Drop });
        var client = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Idle());
        var seen = new List<long>();
        foreach (double t in new[] { 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 63.5, 130 })
        {
            n.Bed.Sim.RunUntil(SimTime.FromSeconds(t));
            seen.Add(n.HostB.Drops(DropReason.Netfilter));
        }

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 7], seen);
        Assert.True(client.TimedOut);
        Assert.Equal(TcpState.Closed, client.State);
    }

    [Fact]
    public void A_lone_segment_is_acknowledged_after_the_40_ms_delayed_ACK_and_two_full_segments_at_once()
    {
        var n = Wire();
        var server = new Sink();
        _ = new TcpListener(n.HostB.Root, 5001, server);
        var client = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Idle());
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));
        client.Send(100);
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(40));
        Assert.Equal(100, client.Unacknowledged);
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(41.1));
        Assert.Equal(0, client.Unacknowledged);
        Assert.Equal(1, server.Socket!.Statistics.DelayedAcks);

        client.Send(2 * 1448);
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(42));
        Assert.Equal(0, client.Unacknowledged);
        Assert.Equal(1, server.Socket.Statistics.DelayedAcks);
    }

    [Fact]
    public void Both_FINs_close_the_connection_and_the_end_that_closed_first_holds_its_port_in_TIME_WAIT_for_60_s()
    {
        var n = Wire();
        var sink = new Sink();
        var listener = new TcpListener(n.HostB.Root, 5001, sink);
        var source = new Source(10_000);
        var client = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, source);
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));

        Assert.Equal(10_000, sink.Received);
        Assert.True(sink.PeerClosed);
        Assert.True(source.Closed);
        Assert.Equal(TcpState.TimeWait, client.State);    // it sent the first FIN
        Assert.Equal(TcpState.Closed, sink.Socket!.State); // the passive closer is done at once
        Assert.Equal(0, listener.Connections);
        Assert.Throws<InvalidOperationException>(() => n.HostA.Root.Bind(IpProtocol.Tcp, client.LocalPort, new NoEndpoint()));

        n.Bed.Sim.RunUntil(SimTime.FromSeconds(60.01));
        Assert.Equal(TcpState.Closed, client.State);
        n.HostA.Root.Bind(IpProtocol.Tcp, client.LocalPort, new NoEndpoint()); // the port is free again
    }

    [Fact]
    public void With_tcp_tw_reuse_a_connect_takes_over_a_port_over_a_second_into_TIME_WAIT()
    {
        var n = Wire();
        _ = new TcpListener(n.HostB.Root, 5001, new Sink());
        var first = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Source(100));
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
        Assert.Equal(TcpState.TimeWait, first.State);

        // Use up the rest of the range, so the allocator comes round to the first port again.
        for (int i = NetworkNamespaceRange - 1; i > 0; i--)
        {
            n.HostA.Root.Bind(IpProtocol.Tcp, n.HostA.Root.AllocateEphemeralPort(IpProtocol.Tcp), new NoEndpoint());
        }

        Assert.Throws<NetPerf.Network.Topology.PortsExhaustedException>(() => n.HostA.Root.AllocateEphemeralPort(IpProtocol.Tcp)); // under a second: EADDRNOTAVAIL
        n.Bed.Sim.RunUntil(SimTime.FromSeconds(1.01));
        Assert.Equal(first.LocalPort, n.HostA.Root.AllocateEphemeralPort(IpProtocol.Tcp));
        Assert.Equal(TcpState.Closed, first.State);
    }

    private const int NetworkNamespaceRange = NetPerf.Network.Topology.NetworkNamespace.EphemeralLast - NetPerf.Network.Topology.NetworkNamespace.EphemeralFirst + 1;
}
