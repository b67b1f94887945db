using System.Diagnostics;
using NetPerf.Engine.Time;
using NetPerf.Engine.Scheduling;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// One run-to-completion stretch of kernel work on one core for one packet: the stack is walked synchronously,
/// each stage charging its cost, until the packet reaches a point where the kernel queues it (a device's
/// backlog, the wire, a socket). There the accumulated work becomes one job on the packet's core
/// (<see cref="Defer"/>), and what follows runs when that job completes: so packets contending for a core
/// queue for it, and the CPU time of each stage is still accounted exactly.
/// </summary>
public ref struct PacketWalk
{
    private long _costPs;

    public PacketWalk(Host host, int packet)
    {
        Host = host;
        Packet = packet;
    }

    public Host Host { get; }
    public int Packet { get; }

    /// <summary>Gateway chosen by routing, for devices without neighbours (tunnels use it as the outer destination).</summary>
    public Addressing.Ipv4Address NextHop { get; set; }

    /// <summary>Work charged in this stretch so far.</summary>
    public readonly long CostPicoseconds => _costPs;

    public bool Finished { get; private set; }

    public readonly ref Packet P => ref Host.Pool[Packet];

    /// <summary>Charges <paramref name="stage"/> for this packet's current size, on its core, at <paramref name="device"/>.</summary>
    public void Charge(KernelStage stage, NetDevice device) => Charge(stage, device.Namespace, device);

    /// <summary>Charges a stage that belongs to a namespace rather than a device (routing, sockets).</summary>
    public void Charge(KernelStage stage, NetworkNamespace ns, NetDevice? device = null) => Charge(stage, ns, device, times: 1);

    /// <summary>
    /// Charges a stage whose per-byte part is not the packet's size: a write() copying <paramref name="bytes"/> of
    /// user data, or a tunnel touching only the headers of a GSO super-packet.
    /// </summary>
    public void ChargeBytes(KernelStage stage, NetworkNamespace ns, int bytes, NetDevice? device = null)
    {
        long cost = Host.OnCore(P.Core, Host.Costs.Of(stage, bytes) + FirstRun(ref P, stage));
        _costPs += cost;
        Host.AccountCpu(stage, cost, P.FlowId);
        Host.Tracer?.OnStage(Packet, stage, ns, device, P.Core, cost);
    }

    /// <summary>
    /// Charges a stage that runs once per segment of a GSO packet (<paramref name="times"/> fixed costs, and the
    /// per-byte cost once over all its bytes): a driver handling each frame, software segmentation, GRO merging.
    /// </summary>
    public void Charge(KernelStage stage, NetworkNamespace ns, NetDevice? device, int times)
    {
        ref Packet p = ref P;
        long cost = Host.OnCore(p.Core, Host.Costs.OfSegments(stage, p.IpLength, times) + FirstRun(ref p, stage));
        _costPs += cost;
        Host.AccountCpu(stage, cost, p.FlowId);
        Host.Tracer?.OnStage(Packet, stage, ns, device, p.Core, cost);
    }

    /// <summary>The stage's cold premium if this is its first run on the packet's journey (and the stage marked run).</summary>
    private readonly long FirstRun(ref Packet p, KernelStage stage)
    {
        if (!Host.Costs.HasColdCosts)
        {
            return 0; // no premiums (every shipped profile): nothing to mark on the forwarding path
        }

        UInt128 bit = UInt128.One << (int)stage;
        if ((p.WarmStages & bit) != UInt128.Zero)
        {
            return 0;
        }

        p.WarmStages |= bit;
        return Host.Costs.ColdOf(stage);
    }

    /// <summary>
    /// Ends the stretch at a queueing point: the work so far runs on the packet's core, then
    /// <c>next.OnEvent(kind, packet)</c>.
    /// </summary>
    public void Defer(IEventHandler next, int kind)
    {
        Debug.Assert(!Finished, "a walk ends once");
        Finished = true;
        SubmitWork(next, kind);
    }

    /// <summary>
    /// Queues the work charged so far as a job on the packet's core and starts counting afresh: used before a
    /// packet spawns others (fragments, flooded copies), so that they queue behind the work that made them.
    /// </summary>
    public void Flush()
    {
        if (_costPs > 0)
        {
            SubmitWork(null, 0);
            _costPs = 0;
        }
    }

    /// <summary>Ends the stretch with the packet absorbed (a fragment queued, an ICMP error handled): no drop counted.</summary>
    public void Consume()
    {
        Debug.Assert(!Finished, "a walk ends once");
        Finished = true;
        Flush();
        Host.Pool.Return(Packet);
    }

    /// <summary>Ends the stretch by discarding the packet; the work already done still occupies the core.</summary>
    public void Drop(DropReason reason, NetDevice? device)
    {
        Host.CountDrop(reason);
        Host.Tracer?.OnDrop(Packet, reason, device);
        Consume();
    }

    /// <summary>The work charged so far becomes one job on the packet's core; <paramref name="next"/> runs when it completes.</summary>
    private readonly void SubmitWork(IEventHandler? next, int kind) =>
        Host.Cores[P.Core].Submit(new SimTime(_costPs + Host.Interference(_costPs, P.FlowId)), 0, next, kind, Packet);
}
