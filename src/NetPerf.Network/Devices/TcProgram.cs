using NetPerf.Network.Stack;

namespace NetPerf.Network.Devices;

/// <summary>
/// A BPF program on a device's tc hook (clsact ingress, in __netif_receive_skb_core before the rx_handler and
/// IP; or egress, in __dev_queue_xmit before the driver). It charges its own stage, then lets the packet go on
/// (<see cref="TcVerdict.Ok"/>), drops it, or has already handed it elsewhere with a redirect helper
/// (<see cref="TcRedirect"/>).
/// </summary>
public abstract class TcProgram
{
    /// <summary>The program's section name, as <c>tc filter show</c> and <c>bpftool net</c> list it.</summary>
    public abstract string Name { get; }

    public abstract TcVerdict Run(NetDevice device, ref PacketWalk walk);

    public override string ToString() => Name;
}
