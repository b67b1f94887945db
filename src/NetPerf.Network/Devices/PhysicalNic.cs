using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Links;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// A physical NIC (eth0): transmits onto a link, and receives from one with receive-side scaling. RSS is the
/// one place where a packet changes core: the NIC hashes the headers it sees (the outer ones of a tunnelled
/// packet) to pick a receive queue, and that queue's interrupt runs on its own core. So VXLAN flows, whose
/// outer UDP source port follows the inner flow, spread over queues, while every IP-in-IP packet between two
/// nodes carries the same outer header and lands on one queue.
/// </summary>
public sealed class PhysicalNic : NetDevice, IFrameReceiver
{
    private const int WireKind = 2;
    private const int InterruptKind = 3;

    private Link? _tx;
    private PhysicalNic? _farEnd;

    public PhysicalNic(NetworkNamespace ns, string name, int mtu = 1500, int? receiveQueues = null)
        : base(ns, name, mtu)
    {
        ReceiveQueues = receiveQueues ?? ns.Host.Cores.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveQueues, 1);
        ReceivedPerQueue = new long[ReceiveQueues];
    }

    /// <summary>RSS queues; queue q interrupts core q modulo the core count (one queue per core by default).</summary>
    public int ReceiveQueues { get; }

    /// <summary>
    /// Interrupt moderation (ethtool rx-usecs): the delay between a frame's arrival and the start of its receive
    /// processing. Modelled as a fixed delay per frame, an upper bound on the coalescing wait.
    /// </summary>
    public SimTime InterruptModeration { get; set; }

    public Link? TransmitLink => _tx;

    /// <summary>
    /// A port of a switch or router, which forwards in hardware frame by frame: the link into it hands over a
    /// GSO burst when its first frame is in (<see cref="IFrameReceiver.ForwardsPerFrame"/>). A host's NIC leaves
    /// it off: its GRO hands the aggregate up when the last frame has arrived.
    /// </summary>
    public bool ForwardsPerFrame { get; init; }

    /// <summary>Segmentation and receive offloads (<c>ethtool -K</c>); all on by default.</summary>
    public NicOffloads Offloads { get; set; } = NicOffloads.All;

    /// <summary>
    /// Whether the link has carrier. Off models a node that fails hard (power lost, cable pulled): frames it would
    /// send and frames that reach it are dropped, so its peers see only silence, as the hold timer of a BGP
    /// session or TCP's retransmissions would. Frames already on the wire still arrive at the far end.
    /// </summary>
    public bool CarrierUp { get; set; } = true;

    /// <summary>GSO super-packets this NIC had to segment in software (no TSO for them).</summary>
    public long SoftwareSegmented { get; private set; }

    /// <summary>Frames handled per receive queue.</summary>
    public long[] ReceivedPerQueue { get; }

    /// <summary>
    /// A full-duplex cable between two NICs: one link each way. The queue in front of each transmitter is
    /// <paramref name="queuePackets"/> in <paramref name="unit"/>s, unless the far end's is given apart: a host's
    /// qdisc counts skbs (a GSO super-packet is one), a switch port's buffer counts frames.
    /// </summary>
    public static void Connect(PhysicalNic a, PhysicalNic b, long bitsPerSecond, SimTime propagation, int queuePackets = 1000,
        QueueUnit unit = QueueUnit.Packets, int? farQueue = null, QueueUnit? farUnit = null)
    {
        if (a._tx is not null || b._tx is not null)
        {
            throw new InvalidOperationException($"{a} or {b} is already cabled.");
        }

        a._tx = new Link(a.Host.Sim, a.Host.Pool, bitsPerSecond, propagation, Math.Min(a.Mtu, b.Mtu), queuePackets, unit);
        b._tx = new Link(b.Host.Sim, b.Host.Pool, bitsPerSecond, propagation, Math.Min(a.Mtu, b.Mtu), farQueue ?? queuePackets, farUnit ?? unit);
        a._tx.Connect(b, b.Host.Entity);
        b._tx.Connect(a, a.Host.Entity);
        a._farEnd = b;
        b._farEnd = a;
    }

    /// <summary>
    /// ndo_start_xmit. A GSO packet the NIC can segment (TSO, and tunnel segmentation if it is encapsulated) costs
    /// the driver once; otherwise validate_xmit_skb segments it in software first (net/core/dev.c), so each
    /// segment costs a GSO cut and a driver transmit on this core.
    /// </summary>
    public override void Transmit(ref PacketWalk walk)
    {
        if (!CarrierUp)
        {
            walk.Drop(DropReason.CarrierDown, this);
            return;
        }

        ref var p = ref walk.P;
        int segments = p.Segments;
        if (segments > 1 && !CanSegment(in p))
        {
            SoftwareSegmented++;
            walk.Charge(KernelStage.GsoSegment, Namespace, this, segments);
            walk.Charge(KernelStage.NicTransmit, Namespace, this, segments);
        }
        else
        {
            walk.Charge(KernelStage.NicTransmit, this);
        }

        walk.Defer(this, WireKind);
    }

    private bool CanSegment(in Packets.Packet p) =>
        (Offloads & NicOffloads.Tso) != 0
        && (p.Encapsulation.Kind == Packets.EncapsulationKind.None || (Offloads & NicOffloads.TunnelSegmentation) != 0);

    /// <summary>The NIC at the other end of the cable.</summary>
    public PhysicalNic? FarEnd => _farEnd;

    /// <summary>ARP on the cable: the far NIC answers, or, if it is a switch's port, whichever host on the switch does.</summary>
    public override MacAddress? ResolveOnLink(Ipv4Address address) => _farEnd switch
    {
        null => null,
        { Master: { } bridge } => bridge.ResolveOnSegment(address, except: _farEnd, asker: Mac),
        var far => far.AnswersArpFor(address) ? far.Mac : null,
    };

    void IFrameReceiver.OnFrame(int packet)
    {
        if (!CarrierUp)
        {
            var lost = new PacketWalk(Host, packet);
            lost.Drop(DropReason.CarrierDown, this);
            return;
        }

        if (InterruptModeration > SimTime.Zero)
        {
            Host.Sim.ScheduleAfter(InterruptModeration, this, InterruptKind, packet);
        }
        else
        {
            ReceiveFrame(packet);
        }
    }

    protected override void OnContinuation(int kind, int packet)
    {
        switch (kind)
        {
            case WireKind:
                if (_tx is null)
                {
                    throw new InvalidOperationException($"{this} transmits but is not cabled.");
                }

                _tx.Send(packet);
                break;
            case InterruptKind:
                ReceiveFrame(packet);
                break;
            default:
                base.OnContinuation(kind, packet);
                break;
        }
    }

    /// <summary>
    /// NAPI poll on the queue's core. The frames of a GSO burst arrive back to back: with GRO each frame costs
    /// its descriptor and its merge into the aggregate (GroReceive per frame), and the driver's hand-off and the
    /// stack above run once for the aggregate (NicReceive, measured per skb handed up); without GRO each frame
    /// goes up the stack alone.
    /// </summary>
    private void ReceiveFrame(int packet)
    {
        ref var p = ref Host.Pool[packet];
        int queue = (int)(((ulong)p.VisibleFlow.Hash() * (uint)ReceiveQueues) >> 32);
        int segments = p.Segments;
        int core = queue % Host.Cores.Count;
        ReceivedPerQueue[queue] += segments;
        p.Core = core;
        p.Scrub(); // a new host: no conntrack reference, no mark
        p.WarmStages = 0; // and another machine's CPU, whose caches have not run this packet's stages
        if (segments > 1 && (Offloads & NicOffloads.Gro) == 0)
        {
            ReceiveSegmentsAlone(packet, segments);
            return;
        }

        var walk = new PacketWalk(Host, packet);
        walk.Charge(KernelStage.NicReceive, this);
        if (segments > 1)
        {
            walk.Charge(KernelStage.GroReceive, Namespace, this, segments);
        }

        Receive(ref walk);
    }

    private void ReceiveSegmentsAlone(int packet, int segments)
    {
        // Each frame goes up the stack alone, in wire order, on this core; the packet is the template for the
        // others and becomes the last segment itself.
        for (int i = 0; i < segments; i++)
        {
            int segment = packet;
            if (i < segments - 1)
            {
                segment = Host.Pool.Rent();
                Host.Pool[segment] = Host.Pool[packet];
            }

            Host.Pool[segment].BecomeSegment(i);
            var walk = new PacketWalk(Host, segment);
            walk.Charge(KernelStage.NicReceive, this);
            Receive(ref walk);
        }
    }
}
