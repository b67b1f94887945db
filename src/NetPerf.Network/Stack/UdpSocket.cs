using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// A UDP socket of a process pinned to one core: sending runs the syscall, UDP and IP output on that core;
/// receiving queues the datagram to the socket and wakes the process, which sees it
/// <see cref="WakeUpLatency"/> later (the scheduler's wake-up and context switch).
/// </summary>
public sealed class UdpSocket : ILocalEndpoint, IEventHandler
{
    private const int DeliveredKind = 0;
    private const int AwakeKind = 1;

    public UdpSocket(NetworkNamespace ns, Ipv4Address address, ushort port, int core = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(core, ns.Host.Cores.Count);
        Namespace = ns;
        Address = address;
        Port = port;
        Core = core;
        ns.Bind(IpProtocol.Udp, port, this);
    }

    public NetworkNamespace Namespace { get; }
    public Ipv4Address Address { get; }
    public ushort Port { get; }

    /// <summary>The core the owning process runs on.</summary>
    public int Core { get; }

    public SimTime WakeUpLatency { get; set; }
    public IDatagramReceiver? Receiver { get; set; }
    public long Received { get; private set; }

    /// <summary>Datagrams refused by sendto() because DF was set and they exceed the known path MTU (EMSGSIZE).</summary>
    public long MessageTooLong { get; private set; }

    /// <summary>
    /// sendto(): a datagram of <paramref name="payloadBytes"/> to <paramref name="destination"/>. With
    /// <paramref name="dontFragment"/> (IP_PMTUDISC_DO) a datagram larger than the path MTU learned for the
    /// destination is refused (false), as the kernel returns EMSGSIZE. <paramref name="core"/> is the sending
    /// thread's core when a process with several threads shares the socket (-1: the socket's own).
    /// </summary>
    public bool Send(Ipv4Address destination, ushort destinationPort, int payloadBytes, int flowId = 0, bool dontFragment = false, long applicationData = 0, int core = -1)
    {
        var host = Namespace.Host;
        bool translated = host.SocketAddressHook is { } hook && hook.TrySendMessage(this, ref destination, ref destinationPort);
        if (dontFragment && HeaderSizes.Ipv4 + HeaderSizes.Udp + payloadBytes > RouteMtu(destination))
        {
            MessageTooLong++;
            return false;
        }

        int id = host.Pool.Rent();
        ref var p = ref host.Pool[id];
        p.Flow = new FiveTuple(Address, destination, IpProtocol.Udp, Port, destinationPort);
        p.TransportHeaderBytes = HeaderSizes.Udp;
        p.PayloadBytes = payloadBytes;
        p.Ttl = Ipv4.DefaultTtl;
        p.DontFragment = dontFragment;
        p.SentAtPs = host.Sim.Now.Picoseconds;
        p.FlowId = flowId;
        p.ApplicationData = applicationData;
        p.Core = core < 0 ? Core : core;
        var walk = new PacketWalk(host, id);
        walk.Charge(KernelStage.Syscall, Namespace);
        if (translated)
        {
            walk.Charge(KernelStage.BpfSocketLb, Namespace);
        }

        walk.Charge(KernelStage.UdpOutput, Namespace);
        Ipv4.Output(Namespace, ref walk);
        return true;
    }

    /// <summary>close(): the port is free again; datagrams still on their way find no socket.</summary>
    public void Close()
    {
        Receiver = null;
        Namespace.Unbind(IpProtocol.Udp, Port, this);
    }

    /// <summary>The MTU sendto() checks a DF datagram against: the learned path MTU, else the route's device MTU.</summary>
    private int RouteMtu(Ipv4Address destination)
    {
        int mtu = Namespace.PathMtu(destination) ?? int.MaxValue;
        var route = Namespace.Fib.Lookup(destination);
        if (route is { Type: Routing.RouteType.Unicast })
        {
            mtu = Math.Min(mtu, Namespace.Device(route.NextHops[0].Interface).Mtu);
        }

        return mtu;
    }

    void ILocalEndpoint.Deliver(ref PacketWalk walk)
    {
        walk.Charge(KernelStage.UdpInput, Namespace);
        walk.Charge(KernelStage.SocketDeliver, Namespace);
        if (Namespace.Host.SocketAddressHook is { } hook)
        {
            // recvmsg4: the application is told the address it sent to. Charged here, with the rest of the
            // receive's kernel work, as this model charges the receiving syscall's share on the packet's walk.
            ref var p = ref walk.P;
            var source = p.Flow.Source;
            ushort sourcePort = p.Flow.SourcePort;
            if (hook.TryReceiveMessage(this, ref source, ref sourcePort))
            {
                walk.Charge(KernelStage.BpfSocketLbReceive, Namespace);
                p.Flow = p.Flow with { Source = source, SourcePort = sourcePort };
            }
        }

        walk.Defer(this, DeliveredKind);
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        int packet = (int)arg;
        if (kind == DeliveredKind && WakeUpLatency > SimTime.Zero)
        {
            Namespace.Host.Sim.ScheduleAfter(WakeUpLatency, this, AwakeKind, packet);
            return;
        }

        var host = Namespace.Host;
        Received++;
        Receiver?.OnDatagram(this, in host.Pool[packet], host.Sim.Now);
        host.Pool.Return(packet);
    }
}
