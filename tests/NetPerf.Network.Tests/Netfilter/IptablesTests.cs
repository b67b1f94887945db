using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Netfilter;

public class IptablesTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.10");

    /// <summary>Two hosts back to back; host a has netfilter and a default route through b.</summary>
    private static (Testbed Bed, Host A, Host B, Iptables Nf) TwoHosts(CostTable? costs = null, int conntrackMax = Conntrack.DefaultMax)
    {
        var bed = new Testbed();
        var a = new Host(bed, "a", costs ?? CostTable.Free(), 1);
        var b = new Host(bed, "b", costs ?? CostTable.Free(), 1);
        var ethA = new PhysicalNic(a.Root, "eth0");
        var ethB = new PhysicalNic(b.Root, "eth0");
        a.Root.AddAddress(ethA, "192.168.0.1/24");
        b.Root.AddAddress(ethB, "192.168.0.2/24");
        a.Root.AddRoute("0.0.0.0/0", ethA, via: "192.168.0.2");
        PhysicalNic.Connect(ethA, ethB, 10_000_000_000, SimTime.FromMicroseconds(1));
        return (bed, a, b, a.Root.EnableNetfilter(conntrackMax));
    }

    private static Rule DnatVip(ushort toPort = 5353) => new()
    {
        Destination = new Ipv4Prefix(Vip, 32),
        Protocol = IpProtocol.Udp,
        DestinationPort = 53,
        Target = RuleTarget.Dnat,
        NatAddress = Ipv4Address.Parse("192.168.0.2"),
        NatPort = toPort,
    };

    [Fact]
    public void DNATed_traffic_reaches_the_backend_and_the_reply_is_un_NATed_to_come_from_the_virtual_IP()
    {
        var (bed, a, b, nf) = TwoHosts();
        nf.NatOutput.Append(DnatVip());
        var echo = new Echo();
        _ = new UdpSocket(b.Root, Ipv4Address.Parse("192.168.0.2"), 5353) { Receiver = echo };
        var replies = new Replies();
        var client = new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), 40000) { Receiver = replies };

        client.Send(Vip, 53, 64);
        bed.Sim.Run();

        var atServer = Assert.Single(echo.Seen);
        Assert.Equal((Ipv4Address.Parse("192.168.0.2"), (ushort)5353), (atServer.Destination, atServer.DestinationPort));
        var reply = Assert.Single(replies.Got);
        Assert.Equal((Vip, (ushort)53), (reply.Source, reply.SourcePort));
        Assert.Equal(1, nf.Conntrack.Count);
    }

    [Fact]
    public void Only_the_first_packet_of_a_connection_walks_the_rules_conntrack_handles_the_rest()
    {
        // 100 rules for other Services before ours: the first datagram evaluates 101, later ones none.
        var costs = new CostTable { [KernelStage.NftablesRule] = StageCost.Nanoseconds(8) }; // iptables-nft, the default backend
        var (bed, a, b, nf) = TwoHosts(costs);
        for (int i = 0; i < 100; i++)
        {
            nf.NatOutput.Append(DnatVip() with { Destination = Ipv4Prefix.Parse($"10.97.0.{i}/32") });
        }

        nf.NatOutput.Append(DnatVip());
        _ = new UdpSocket(b.Root, Ipv4Address.Parse("192.168.0.2"), 5353) { Receiver = new Echo() };
        var client = new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), 40000) { Receiver = new Replies() };

        client.Send(Vip, 53, 64);
        bed.Sim.Run();
        Assert.Equal(101, nf.RulesEvaluated);
        for (int i = 0; i < 10; i++)
        {
            client.Send(Vip, 53, 64);
            bed.Sim.Run();
        }

        Assert.Equal(101, nf.RulesEvaluated);
        Assert.Equal(101 * 8_000, a.CpuPicosecondsOf(KernelStage.NftablesRule));
    }

    [Fact]
    public void Masquerade_rewrites_a_pods_source_to_the_node_and_the_reply_finds_its_way_back_to_the_pod()
    {
        var pair = NodePair.CalicoBgp(CostTable.Free());
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        nf.NatPostRouting.Append(new Rule { Source = Ipv4Prefix.Parse("10.244.0.0/16"), OutInterface = "eth0", Target = RuleTarget.Masquerade });
        var echo = new Echo();
        _ = new UdpSocket(pair.Nodes[2].Root, NodePair.NodeIp(2), 9000) { Receiver = echo };
        var replies = new Replies();
        var pod = new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 41000) { Receiver = replies };

        pod.Send(NodePair.NodeIp(2), 9000, 32);
        pair.Bed.Sim.Run();

        Assert.Equal(NodePair.NodeIp(1), Assert.Single(echo.Seen).Source);
        var reply = Assert.Single(replies.Got);
        Assert.Equal((NodePair.NodeIp(2), NodePair.PodIp(1, 1)), (reply.Source, reply.Destination));
    }

    [Fact]
    public void A_full_table_of_unreplied_flows_makes_room_by_early_dropping_one()
    {
        // Unreplied UDP entries are not ASSURED, so early_drop evicts one for the third flow instead of dropping it.
        var (bed, a, b, nf) = TwoHosts(conntrackMax: 2);
        var server = new UdpSocket(b.Root, Ipv4Address.Parse("192.168.0.2"), 5201) { Receiver = new Replies() };
        for (ushort port = 1000; port < 1003; port++)
        {
            new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), port).Send(Ipv4Address.Parse("192.168.0.2"), 5201, 10);
        }

        bed.Sim.Run();
        Assert.Equal(3, server.Received);
        Assert.Equal(0, nf.Conntrack.TableFullDrops);
        // early_drop_list deletes every unassured entry of the first bucket holding one: a table of 2 has
        // 2 / 4 -> 1 bucket, so both go.
        Assert.Equal(2, nf.Conntrack.EarlyDrops);
    }

    [Fact]
    public void A_table_full_of_assured_connections_drops_a_new_flows_packet_with_the_table_full_reason()
    {
        var (bed, a, b, nf) = TwoHosts(conntrackMax: 2);
        for (ushort port = 1; port <= 2; port++)
        {
            // Two established TCP connections, handshake seen both ways: ASSURED, so early_drop may not take them.
            var flow = new FiveTuple(Ipv4Address.Parse("192.168.0.1"), Ipv4Address.Parse("192.168.0.9"), IpProtocol.Tcp, port, 80);
            int id = nf.Conntrack.Create(flow, 0, TcpFlags.Syn);
            nf.Conntrack.Confirm(id, 0);
            nf.Conntrack.Refresh(id, reply: true, 0, TcpFlags.Syn | TcpFlags.Ack);
            nf.Conntrack.Refresh(id, reply: false, 0, TcpFlags.Ack);
        }

        var server = new UdpSocket(b.Root, Ipv4Address.Parse("192.168.0.2"), 5201) { Receiver = new Replies() };
        new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), 1000).Send(Ipv4Address.Parse("192.168.0.2"), 5201, 10);
        bed.Sim.Run();

        Assert.Equal(0, server.Received);
        Assert.Equal(1, nf.Conntrack.TableFullDrops);
        Assert.Equal(1, a.Drops(DropReason.ConntrackTableFull));
        Assert.Equal(0, a.Drops(DropReason.Netfilter));
    }

    [Fact]
    public void A_filter_drop_in_forward_stops_routed_traffic_and_is_counted()
    {
        var pair = NodePair.CalicoBgp(CostTable.Free());
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        nf.FilterForward.Append(new Rule { InInterface = "cali+", Destination = new Ipv4Prefix(NodePair.PodIp(2, 1), 32), Target = RuleTarget.Drop });
        var server = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 80) { Receiver = new Replies() };
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 1234).Send(NodePair.PodIp(2, 1), 80, 10);
        pair.Bed.Sim.Run();
        Assert.Equal(0, server.Received);
        Assert.Equal(1, pair.Nodes[1].Drops(DropReason.Netfilter));
        Assert.Equal(0, nf.Conntrack.Allocated); // the unconfirmed connection was freed with its packet
    }

    [Fact]
    public void Random_probability_rules_spread_new_connections_evenly_over_three_endpoints()
    {
        // kube-proxy's KUBE-SVC chain for 3 endpoints: probability 1/3, then 1/2, then the rest.
        var (bed, a, b, nf) = TwoHosts();
        var svc = nf.NewChain("KUBE-SVC-TEST");
        ushort[] ports = [7001, 7002, 7003];
        svc.Append(DnatVip(ports[0]) with { Destination = null, DestinationPort = null, Probability = 1.0 / 3 });
        svc.Append(DnatVip(ports[1]) with { Destination = null, DestinationPort = null, Probability = 0.5 });
        svc.Append(DnatVip(ports[2]) with { Destination = null, DestinationPort = null });
        nf.NatOutput.Append(new Rule { Destination = new Ipv4Prefix(Vip, 32), Target = RuleTarget.Jump, JumpTo = svc });
        var servers = ports.Select(p => new UdpSocket(b.Root, Ipv4Address.Parse("192.168.0.2"), p) { Receiver = new Replies() }).ToArray();

        for (int c = 0; c < 3000; c++)
        {
            new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), (ushort)(10_000 + c)).Send(Vip, 53, 10);
            bed.Sim.Run();
        }

        // Each count is Binomial(3000, 1/3): sd 25.8. Allow 5 sd.
        Assert.All(servers, s => Assert.InRange(s.Received, 1000 - 129, 1000 + 129));
        Assert.Equal(3000, servers.Sum(s => s.Received));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1000)]
    public void A_new_connection_walks_every_earlier_Service_rule_in_iptables_but_one_map_lookup_in_nftables(int services)
    {
        // Our Service is the last of `services`: iptables walks them all; a verdict map jumps straight to it.
        static long RulesWalked(int services, bool nft)
        {
            var (bed, a, b, nf) = TwoHosts();
            var map = new VerdictMap();
            for (int i = 0; i < services; i++)
            {
                var vip = i == services - 1 ? Vip : Ipv4Address.Parse($"10.97.{i / 250}.{i % 250}");
                var chain = nf.NewChain($"SVC-{i}").Append(DnatVip() with { Destination = null, DestinationPort = null });
                if (nft)
                {
                    map.Add(vip, IpProtocol.Udp, 53, chain);
                }
                else
                {
                    nf.NatOutput.Append(new Rule { Destination = new Ipv4Prefix(vip, 32), Protocol = IpProtocol.Udp, DestinationPort = 53, Target = RuleTarget.Jump, JumpTo = chain });
                }
            }

            if (nft)
            {
                nf.NatOutput.Append(new Rule { Target = RuleTarget.VerdictMap, Map = map });
            }

            var server = new UdpSocket(b.Root, Ipv4Address.Parse("192.168.0.2"), 5353) { Receiver = new Replies() };
            new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), 40000).Send(Vip, 53, 10);
            bed.Sim.Run();
            Assert.Equal(1, server.Received);
            return nf.RulesEvaluated;
        }

        Assert.Equal(services + 1, RulesWalked(services, nft: false)); // every jump rule, then the DNAT
        Assert.Equal(2, RulesWalked(services, nft: true));             // the vmap rule, then the DNAT
    }

    [Fact]
    public void A_chain_with_no_rules_still_applies_its_DROP_policy()
    {
        var pair = NodePair.CalicoBgp(CostTable.Free());
        var nf = pair.Nodes[1].Root.EnableNetfilter();
        nf.FilterForward.Policy = RuleTarget.Drop; // iptables -P FORWARD DROP
        var server = new UdpSocket(pair.Pod2, NodePair.PodIp(2, 1), 80) { Receiver = new Replies() };
        new UdpSocket(pair.Pods1[0], NodePair.PodIp(1, 1), 1234).Send(NodePair.PodIp(2, 1), 80, 10);
        pair.Bed.Sim.Run();
        Assert.Equal(0, server.Received);
        Assert.Equal(1, pair.Nodes[1].Drops(DropReason.Netfilter));
    }

    private sealed class Later(Action action) : NetPerf.Engine.Scheduling.IEventHandler
    {
        public void OnEvent(int kind, long arg) => action();
    }

    [Theory]
    [InlineData(0.0, 1)]   // a request and its answer: 30 s, expired by 60 s, so the rules are walked again
    [InlineData(5.0, 0)]   // still active 5 s after it began: a stream, 120 s, still tracked at 60 s
    public void A_UDP_flow_answered_at_once_keeps_30_seconds_and_one_still_active_after_2_seconds_keeps_120(double secondExchangeAt, int walksAt60s)
    {
        var (bed, a, b, nf) = TwoHosts();
        nf.NatOutput.Append(new Rule { Protocol = IpProtocol.Udp, Target = RuleTarget.None });
        _ = new UdpSocket(b.Root, Ipv4Address.Parse("192.168.0.2"), 9) { Receiver = new Echo() };
        var client = new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), 5000) { Receiver = new Replies() };
        client.Send(Ipv4Address.Parse("192.168.0.2"), 9, 10);
        bed.Sim.Run();
        if (secondExchangeAt > 0)
        {
            bed.Sim.Schedule(SimTime.FromSeconds(secondExchangeAt), new Later(() => client.Send(Ipv4Address.Parse("192.168.0.2"), 9, 10)));
            bed.Sim.Run();
        }

        long before = nf.RulesEvaluated;
        bed.Sim.Schedule(SimTime.FromSeconds(60), new Later(() => client.Send(Ipv4Address.Parse("192.168.0.2"), 9, 10)));
        bed.Sim.Run();
        Assert.Equal(walksAt60s, nf.RulesEvaluated - before);
    }
}
