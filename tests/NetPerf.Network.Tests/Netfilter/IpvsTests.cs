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

/// <summary>Host a holds the virtual service on kube-ipvs0; host b runs three real servers.</summary>
public class IpvsTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.10");
    private static readonly Ipv4Address B = Ipv4Address.Parse("192.168.0.2");

    private static (Testbed Bed, Host A, Ipvs Ipvs, UdpSocket[] Servers) Build(int extraServices = 0, IpvsScheduler scheduler = IpvsScheduler.RoundRobin)
    {
        var costs = CostTable.Uniform(StageCost.Nanoseconds(10));
        var bed = new Testbed();
        var a = new Host(bed, "a", costs, 1);
        var b = new Host(bed, "b", costs, 1);
        var ethA = new PhysicalNic(a.Root, "eth0");
        var ethB = new PhysicalNic(b.Root, "eth0");
        a.Root.AddAddress(ethA, "192.168.0.1/24");
        b.Root.AddAddress(ethB, "192.168.0.2/24");
        PhysicalNic.Connect(ethA, ethB, 10_000_000_000, SimTime.FromMicroseconds(1));
        var dummy = new DummyDevice(a.Root, "kube-ipvs0");
        a.Root.AddAddress(dummy, Vip, 32);
        var ipvs = a.Root.EnableIpvs();
        for (int i = 0; i < extraServices; i++)
        {
            var other = Ipv4Address.Parse($"10.97.{i / 250}.{i % 250}");
            a.Root.AddAddress(dummy, other, 32);
            ipvs.AddService(IpProtocol.Udp, other, 53).AddRealServer(B, 9999);
        }

        var service = ipvs.AddService(IpProtocol.Udp, Vip, 53, scheduler);
        var servers = new UdpSocket[3];
        for (int i = 0; i < 3; i++)
        {
            service.AddRealServer(B, (ushort)(7001 + i));
            servers[i] = new UdpSocket(b.Root, B, (ushort)(7001 + i)) { Receiver = new Echo() };
        }

        return (bed, a, ipvs, servers);
    }

    [Fact]
    public void Round_robin_spreads_new_connections_in_turn_and_each_stays_on_its_real_server()
    {
        var (bed, a, _, servers) = Build();
        var clients = Enumerable.Range(0, 6).Select(i => new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), (ushort)(40000 + i))).ToArray();
        foreach (var c in clients)
        {
            c.Send(Vip, 53, 10);
            bed.Sim.Run();
        }

        Assert.Equal([2L, 2, 2], servers.Select(s => s.Received));
        for (int k = 0; k < 5; k++)
        {
            clients[0].Send(Vip, 53, 10); // the first client's connection went to the first server
            bed.Sim.Run();
        }

        Assert.Equal([7L, 2, 2], servers.Select(s => s.Received));
    }

    [Fact]
    public void Replies_come_back_from_the_virtual_service_address()
    {
        var (bed, a, ipvs, _) = Build();
        var replies = new Replies();
        new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), 40000) { Receiver = replies }.Send(Vip, 53, 10);
        bed.Sim.Run();
        var reply = Assert.Single(replies.Got);
        Assert.Equal((Vip, (ushort)53), (reply.Source, reply.SourcePort));
        Assert.Equal(1, ipvs.Connections);
    }

    [Fact]
    public void Least_connection_sends_a_new_connection_to_the_real_server_with_fewest()
    {
        var (bed, a, ipvs, servers) = Build(scheduler: IpvsScheduler.LeastConnection);
        for (int i = 0; i < 4; i++)
        {
            new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), (ushort)(40000 + i)).Send(Vip, 53, 10);
            bed.Sim.Run();
        }

        Assert.Equal([2L, 1, 1], servers.Select(s => s.Received));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void The_work_per_packet_does_not_grow_with_the_number_of_virtual_services(int extraServices)
    {
        var (bed, a, _, _) = Build(extraServices);
        new UdpSocket(a.Root, Ipv4Address.Parse("192.168.0.1"), 40000).Send(Vip, 53, 10);
        bed.Sim.Run();
        // Request: one lookup and one schedule at LOCAL_IN; reply: the lookup of the reply path, then one more
        // lookup at LOCAL_IN that finds no virtual service. Same whatever the number of services.
        Assert.Equal(10_000L * 3, a.CpuPicosecondsOf(KernelStage.IpvsLookup));
        Assert.Equal(10_000L, a.CpuPicosecondsOf(KernelStage.IpvsSchedule));
        Assert.Equal(0, a.CpuPicosecondsOf(KernelStage.NetfilterRule));
    }

    [Fact]
    public void For_a_routed_client_the_FORWARD_filter_sees_the_real_servers_address_before_IPVS_rewrites_the_reply()
    {
        // client ns c -- director ns d (IPVS) -- real server ns s: the reply is forwarded by d, and its filter
        // table (priority 0) runs before ip_vs_reply4 (priority 100), so a rule on the real server's address applies.
        var bed = new Testbed();
        var host = new Host(bed, "lab", CostTable.Free(), 1);
        var c = host.CreateNamespace("c");
        var d = host.CreateNamespace("d");
        var s = host.CreateNamespace("s");
        d.IpForward = true;
        var (vc, d1) = VethDevice.CreatePair(c, "eth0", d, "d1");
        var (d2, vs) = VethDevice.CreatePair(d, "d2", s, "eth0");
        c.AddAddress(vc, "10.0.1.1/24");
        d.AddAddress(d1, "10.0.1.254/24");
        d.AddAddress(d2, "10.0.2.254/24");
        s.AddAddress(vs, "10.0.2.1/24");
        c.AddRoute("0.0.0.0/0", vc, via: "10.0.1.254");
        s.AddRoute("0.0.0.0/0", vs, via: "10.0.2.254");
        d.AddAddress(new DummyDevice(d, "kube-ipvs0"), Vip, 32);
        d.EnableIpvs().AddService(IpProtocol.Udp, Vip, 53).AddRealServer(Ipv4Address.Parse("10.0.2.1"), 5353);
        _ = new UdpSocket(s, Ipv4Address.Parse("10.0.2.1"), 5353) { Receiver = new Echo() };
        var replies = new Replies();
        var client = new UdpSocket(c, Ipv4Address.Parse("10.0.1.1"), 40000) { Receiver = replies };

        client.Send(Vip, 53, 10);
        bed.Sim.Run();
        Assert.Equal((Vip, (ushort)53), (Assert.Single(replies.Got).Source, replies.Got[0].SourcePort));

        d.Netfilter!.FilterForward.Append(new Rule { Source = Ipv4Prefix.Parse("10.0.2.1/32"), Target = RuleTarget.Drop });
        client.Send(Vip, 53, 10);
        bed.Sim.Run();
        Assert.Single(replies.Got);
        Assert.Equal(1, host.Drops(DropReason.Netfilter));
    }
}
