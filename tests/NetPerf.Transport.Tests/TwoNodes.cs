using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Transport.Tests;

/// <summary>Two hosts cabled back to back (192.168.0.1 and .2), or through a router whose egress link is slower.</summary>
internal sealed class TwoNodes
{
    public static readonly Ipv4Address A = Ipv4Address.Parse("192.168.0.1");
    public static readonly Ipv4Address B = Ipv4Address.Parse("192.168.0.2");
    public static readonly Ipv4Address FarB = Ipv4Address.Parse("192.168.1.2");

    public TwoNodes(CostTable costs, long bitsPerSecond, SimTime propagation, int cores = 2, int mtu = 1500, int queuePackets = 1000, ulong seed = 1)
    {
        Bed = new Testbed(new NetPerf.Engine.Scheduling.Simulator(), new NetPerf.Network.Packets.PacketPool(), seed);
        HostA = new Host(Bed, "a", costs, cores);
        HostB = new Host(Bed, "b", costs, cores);
        NicA = new PhysicalNic(HostA.Root, "eth0", mtu);
        NicB = new PhysicalNic(HostB.Root, "eth0", mtu);
        HostA.Root.AddAddress(NicA, "192.168.0.1/24");
        HostB.Root.AddAddress(NicB, "192.168.0.2/24");
        PhysicalNic.Connect(NicA, NicB, bitsPerSecond, propagation, queuePackets);
    }

    private TwoNodes(Testbed bed, Host a, Host b, PhysicalNic nicA, PhysicalNic nicB)
    {
        Bed = bed;
        HostA = a;
        HostB = b;
        NicA = nicA;
        NicB = nicB;
    }

    public Testbed Bed { get; }
    public Host HostA { get; }
    public Host HostB { get; }
    public PhysicalNic NicA { get; }
    public PhysicalNic NicB { get; }
    public PhysicalNic? Bottleneck { get; private set; }

    /// <summary>
    /// a (192.168.0.1) -- fast link -- router -- slow link with a drop-tail queue of frames (a switch port's
    /// buffer) -- b (192.168.1.2): the classic dumbbell half, where a bulk flow's window saws as the bottleneck
    /// queue overflows.
    /// </summary>
    public static TwoNodes ThroughBottleneck(CostTable costs, long fastBps, long slowBps, SimTime propagationEachWay, int bottleneckQueue, ulong seed = 1)
    {
        var bed = new Testbed(new NetPerf.Engine.Scheduling.Simulator(), new NetPerf.Network.Packets.PacketPool(), seed);
        var a = new Host(bed, "a", costs, 2);
        var r = new Host(bed, "router", costs, 2);
        var b = new Host(bed, "b", costs, 2);
        var nicA = new PhysicalNic(a.Root, "eth0");
        var rIn = new PhysicalNic(r.Root, "eth0");
        var rOut = new PhysicalNic(r.Root, "eth1");
        var nicB = new PhysicalNic(b.Root, "eth0");
        a.Root.AddAddress(nicA, "192.168.0.1/24");
        r.Root.AddAddress(rIn, "192.168.0.254/24");
        r.Root.AddAddress(rOut, "192.168.1.254/24");
        b.Root.AddAddress(nicB, "192.168.1.2/24");
        a.Root.AddRoute("192.168.1.0/24", nicA, via: "192.168.0.254");
        b.Root.AddRoute("192.168.0.0/24", nicB, via: "192.168.1.254");
        r.Root.IpForward = true;
        PhysicalNic.Connect(nicA, rIn, fastBps, propagationEachWay / 2);
        PhysicalNic.Connect(rOut, nicB, slowBps, propagationEachWay / 2, bottleneckQueue, NetPerf.Network.Links.QueueUnit.Frames);
        return new TwoNodes(bed, a, b, nicA, nicB) { Bottleneck = rOut };
    }
}
