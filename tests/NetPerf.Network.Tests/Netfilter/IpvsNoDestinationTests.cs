using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// A virtual service with no real server (net/netfilter/ipvs/ip_vs_core.c ip_vs_leave): the packet is dropped
/// (NF_DROP) and its source gets ICMP port unreachable from the virtual address, as many as icmp_send's limits
/// allow (net/ipv4/icmp.c: icmpv4_xrlim_allow per peer, icmp_global_allow for the namespace).
/// </summary>
public class IpvsNoDestinationTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.10");
    private static readonly long Second = SimTime.FromSeconds(1).Picoseconds;
    private static readonly long Millisecond = SimTime.FromMilliseconds(1).Picoseconds;

    private sealed class IcmpCounter : IPacketTracer
    {
        public List<(Ipv4Address From, FiveTuple Quoted)> Received { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
            ref var p = ref ns.Host.Pool[packet];
            if (stage == KernelStage.Icmp && ns.Name == "c" && p.IcmpError == IcmpError.PortUnreachable)
            {
                Received.Add((p.Flow.Source, p.IcmpQuotedFlow));
            }
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }

    /// <summary>Client namespace c, director d with an empty UDP virtual service VIP:53 (every real server of weight 0).</summary>
    private static (Testbed Bed, Host Host, NetworkNamespace C, NetworkNamespace D, IcmpCounter Icmp) Build()
    {
        var bed = new Testbed();
        var host = new Host(bed, "lab", CostTable.Free(), 1);
        var c = host.CreateNamespace("c");
        var d = host.CreateNamespace("d");
        var (vc, d1) = VethDevice.CreatePair(c, "eth0", d, "d1");
        c.AddAddress(vc, "10.0.1.1/24");
        d.AddAddress(d1, "10.0.1.254/24");
        c.AddRoute("0.0.0.0/0", vc, via: "10.0.1.254");
        d.AddAddress(new DummyDevice(d, "kube-ipvs0"), Vip, 32);
        var service = d.EnableIpvs().AddService(IpProtocol.Udp, Vip, 53);
        service.AddRealServer(Ipv4Address.Parse("10.0.2.1"), 5353);
        service.SetWeight(0, 0);
        var icmp = new IcmpCounter();
        host.Tracer = icmp;
        return (bed, host, c, d, icmp);
    }

    [Fact]
    public void Each_datagram_is_dropped_and_a_burst_of_6_port_unreachables_goes_back_then_one_a_second()
    {
        var (bed, host, c, _, icmp) = Build();
        var client = new UdpSocket(c, Ipv4Address.Parse("10.0.1.1"), 40000);
        for (int i = 0; i < 10; i++)
        {
            client.Send(Vip, 53, 10);
        }

        bed.Sim.Run();
        Assert.Equal(10, host.Drops(DropReason.IpvsNoDestination));
        Assert.Equal(0, host.Drops(DropReason.NoSocket)); // never reached the director's UDP
        Assert.Equal(6, icmp.Received.Count); // XRLIM_BURST_FACTOR
        Assert.All(icmp.Received, r => Assert.Equal((Vip, new FiveTuple(Ipv4Address.Parse("10.0.1.1"), Vip, IpProtocol.Udp, 40000, 53)), r)); // from the address the datagram was for, quoting it

        bed.Sim.RunUntil(SimTime.FromPicoseconds(bed.Sim.Now.Picoseconds + Second / 2));
        client.Send(Vip, 53, 10);
        bed.Sim.Run();
        Assert.Equal(6, icmp.Received.Count); // half a token
        bed.Sim.RunUntil(SimTime.FromPicoseconds(bed.Sim.Now.Picoseconds + Second / 2 + Millisecond));
        client.Send(Vip, 53, 10);
        client.Send(Vip, 53, 10);
        bed.Sim.Run();
        Assert.Equal((13, 7), (host.Drops(DropReason.IpvsNoDestination), icmp.Received.Count)); // one a second (icmp_ratelimit)
    }

    [Fact]
    public void A_peer_bucket_holds_6_tokens_of_a_second_and_the_namespace_50_messages_refilled_at_1000_a_second()
    {
        var limit = new IcmpRateLimit();
        long t = 100 * Second;
        Assert.Equal([true, true, true, true, true, true, false], Enumerable.Range(0, 7).Select(_ => limit.Allow(1, t)));
        Assert.False(limit.Allow(1, t + Second - 1));      // the denial at t + 1 s - 1 ps spent no token, and time accrued
        Assert.True(limit.Allow(1, t + Second));           // one second since the burst: one token
        Assert.False(limit.Allow(1, t + Second));
        Assert.Equal(6, Enumerable.Range(0, 8).Count(_ => limit.Allow(1, t + 20 * Second))); // idle long: a full bucket, no more

        Assert.Equal(5, limit.Suppressed); // the 7th, t + 1 s - 1 ps, the second at t + 1 s, two of the 8

        // The namespace's credit: icmp_msgs_burst, and when it runs out a refill of up to a second's worth since the
        // last refill (here none yet: a full 50 again), then nothing until HZ/50 has passed, then 1000/s of it.
        var global = new IcmpRateLimit();
        Assert.Equal(100, Enumerable.Range(0, 120).Count(peer => global.Allow((uint)peer, t))); // each a new peer: their buckets are full
        Assert.False(global.Allow(1000, t + 19 * Millisecond));
        Assert.Equal(20, Enumerable.Range(2000, 30).Count(peer => global.Allow((uint)peer, t + 20 * Millisecond)));
    }
}
