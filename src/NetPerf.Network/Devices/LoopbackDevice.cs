using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary><c>lo</c>: a packet sent to a local address comes straight back in, through the backlog of the same core.</summary>
public sealed class LoopbackDevice : NetDevice
{
    /// <summary>The loopback MTU since Linux 3.6 (drivers/net/loopback.c: 64 KiB).</summary>
    public const int LoopbackMtu = 65536;

    internal LoopbackDevice(NetworkNamespace ns)
        : base(ns, "lo", LoopbackMtu)
    {
    }

    public override bool HasLinkLayer => false;

    public override void Transmit(ref PacketWalk walk)
    {
        walk.Charge(KernelStage.LoopbackTransmit, this);
        QueueToBacklog(ref walk, this);
    }
}
