using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// Weave Net's sleeve overlay in one node's weaver (weaveworks/weave router/sleeve.go): encapsulation in user space
/// on UDP 6783. The kernel hands the weaver each frame for a peer reached by sleeve (<see cref="KernelStage.SleeveCapture"/>):
/// with WEAVE_NO_FASTDP its pcap socket on <c>vethwe-pcap</c> (<see cref="CaptureOn"/>, router/pcap.go), in fastdp's
/// fallback the datapath's upcall (<see cref="OvsDatapath"/>). The weaver copies the frame behind sleeve's headers
/// (<see cref="HeaderSizes.SleeveOverhead"/>) and sends the datagram from the node's address, 6783 to 6783, through
/// the root namespace's OUTPUT and POSTROUTING like any process's. The peer's weaver receives it on its UDP socket,
/// reads it and injects the frame (<see cref="KernelStage.SleeveDecapsulate"/>) through <see cref="Injector"/> into
/// the weave bridge. A weaver is one process and its work here runs on one core of its node (<see cref="Core"/>),
/// in both directions and for every peer: that core caps what sleeve carries. What the injection sets off (veth,
/// bridge, the pod's TCP) runs on that core too, as netif_rx queues to the backlog of the CPU that sends.
/// <para>
/// The weaver is a server with one queue, its ring and its socket's receive queue in arrival order: it takes one
/// frame at a time, and with none left it sleeps (libpcap's poll, the Go runtime's epoll_wait and futex). A frame
/// that finds it asleep wakes it (<see cref="KernelStage.SocketWakeUp"/> on the core that queued the frame) and
/// pays its threads' switch-in (<see cref="KernelStage.ContextSwitch"/>) and the calls they slept in, as work on the
/// weaver's core that waits behind whatever else that core runs: the wake-up's scheduling latency. Captured, two
/// threads wake: the one reading the ring, and the forwarder goroutine's, which the frame reaches through a channel
/// (router/sleeve.go sleeveForwarder.run; the Go runtime readies it and wakes a thread, runtime/proc.go wakep,
/// futexwakeup). Received, one: the netpoller's epoll_wait returns and the reading goroutine's read, which had found
/// nothing (EAGAIN), is retried. A weaver kept busy (a stream) finds the next frame waiting and pays none of it.
/// </para>
/// <para>
/// Each frame is its own datagram. The forwarder batches frames that wait in its channel while it sends
/// (router/sleeve.go aggregateAndSend, up to the path's MTU); two full frames of a 1376-byte MTU never fit one
/// 1500-byte datagram, so only small frames (ACKs) behind a busy forwarder would share one: not modelled. A DF frame
/// larger than what sleeve carries to the peer (the path MTU its PMTU verification finds, less the 62 bytes) is
/// answered with ICMP fragmentation needed (router/sleeve.go Process: makeICMPFragNeeded), so TCP shrinks its
/// segments; other frames leave by the UDP socket, whose datagrams the kernel fragments (the fragmentation test
/// passed: stackFrag). Encryption (NaCl) is not built.
/// </para>
/// </summary>
public sealed class SleeveOverlay : IRxHandler, ILocalEndpoint, IEventHandler, ISegmentHandler
{
    /// <summary>Weave's port (the weaver's --port=6783, prog/weave-kube/launch.sh): TCP for the peers' control connections, UDP for sleeve.</summary>
    public const ushort Port = 6783;

    private const int CapturedKind = 0;
    private const int ReceivedKind = 1;
    private const int DoneKind = 2;
    private const int ReadyKind = 3;

    private readonly List<(SleeveOverlay Peer, Ipv4Address Address)> _peers = [];
    private readonly Dictionary<uint, (SleeveOverlay Peer, int Mtu)> _byAddress = [];
    private readonly Dictionary<ulong, (SleeveOverlay Peer, Ipv4Address Address)> _remoteMacs = [];

    // The frame being cut into segments for Capture (set just before SoftwareSegmentation.Each calls back).
    private NetDevice? _cutAt;
    private Ipv4Address _cutAddress;

    // Frames queued for the weaver, its ring's and its socket's, in arrival order (the packet, and whether it was
    // captured), and whether it is awake. Sized once: it grows only for a weaver far behind its traffic.
    private readonly Queue<(int Packet, bool Captured)> _pending = new(256);
    private bool _awake;

    /// <param name="local">The node's address: the datagrams' source.</param>
    /// <param name="core">The core the weaver's work runs on.</param>
    public SleeveOverlay(NetworkNamespace ns, Ipv4Address local, int core)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(core, ns.Host.Cores.Count);
        Namespace = ns;
        Local = local;
        Core = core;
        ns.Bind(IpProtocol.Udp, Port, this);
    }

    public NetworkNamespace Namespace { get; }
    public Ipv4Address Local { get; }

    /// <summary>The core the weaver's sleeve work runs on: every frame it sends or receives, for every peer.</summary>
    public int Core { get; }

    /// <summary>Where the weaver injects received frames: <c>vethwe-pcap</c> (pcap) or the datapath's <c>vethwe-datapath</c> (OVS_PACKET_CMD_EXECUTE's output action).</summary>
    public NetDevice? Injector { get; private set; }

    /// <summary>Frames the weaver sent to its peers.</summary>
    public long FramesSent { get; private set; }

    /// <summary>Frames the weaver received from its peers and injected.</summary>
    public long FramesReceived { get; private set; }

    /// <summary>DF frames answered with fragmentation needed: larger than sleeve carries to their peer.</summary>
    public long FramesTooBig { get; private set; }

    /// <summary>Times a frame found the weaver asleep and woke it.</summary>
    public long WakeUps { get; private set; }

    /// <summary>
    /// Weave's Bridge mode (WEAVE_NO_FASTDP, net/bridge.go bridgeImpl): the weaver's pcap socket captures what
    /// <paramref name="pcap"/> receives from the bridge, promiscuously, inbound only, and injects on it.
    /// </summary>
    public void CaptureOn(VethDevice pcap)
    {
        if (pcap.Namespace != Namespace || pcap.RxHandler is not null)
        {
            throw new ArgumentException($"{pcap} cannot be the weaver's pcap device: it must be a free device in {Namespace}.", nameof(pcap));
        }

        pcap.RxHandler = this;
        Injector = pcap;
    }

    /// <summary>Fastdp's fallback: frames come from the datapath's upcalls and are injected by OVS_PACKET_CMD_EXECUTE out of <paramref name="vport"/>.</summary>
    public void InjectThrough(NetDevice vport) => Injector = vport;

    /// <summary>
    /// A sleeve connection to another peer (router/sleeve.go sleeveForwarder), at <paramref name="address"/>, over a
    /// path of <paramref name="pathMtu"/> bytes: the weaver's PMTU verification settles on it, and a frame may be
    /// as large as that less sleeve's headers.
    /// </summary>
    public void AddPeer(SleeveOverlay peer, Ipv4Address address, int pathMtu)
    {
        _peers.Add((peer, address));
        _byAddress[address.Value] = (peer, MtuFor(pathMtu));
    }

    /// <summary>The largest IP packet sleeve carries in one datagram over a path of <paramref name="pathMtu"/> (router/sleeve.go: mtu = underlayPMTU - overheadDF).</summary>
    public static int MtuFor(int pathMtu) => pathMtu - HeaderSizes.SleeveOverhead;

    /// <summary>The largest IP packet sleeve carries to <paramref name="peer"/>.</summary>
    public int MtuTo(SleeveOverlay peer) => _byAddress.Values.First(v => v.Peer == peer).Mtu;

    /// <summary>The pcap socket's frame: for the peer whose bridge has its destination MAC.</summary>
    public void HandleFrame(NetDevice port, ref PacketWalk walk)
    {
        if (!_remoteMacs.TryGetValue(walk.P.DestinationMac.Value, out var remote))
        {
            // The weaver would broadcast a frame for an unknown MAC to every peer; ARP is warm here, so this is a
            // frame for a station nobody knows.
            walk.Charge(KernelStage.SleeveCapture, port);
            walk.Drop(DropReason.NoTunnelEndpoint, port);
            return;
        }

        Capture(ref walk, port, remote.Address);
    }

    /// <summary>
    /// The kernel hands the walk's frame to the weaver for the peer at <paramref name="address"/>:
    /// a GSO packet as its segments (pcap reads frames; ovs_dp_upcall queues every segment), each captured, then
    /// encapsulated and sent on the weaver's core.
    /// </summary>
    internal void Capture(ref PacketWalk walk, NetDevice at, Ipv4Address address)
    {
        if (walk.P.Segments > 1)
        {
            (_cutAt, _cutAddress) = (at, address);
            SoftwareSegmentation.Each(ref walk, at, this);
            return;
        }

        CaptureOne(ref walk, at, address);
    }

    void ISegmentHandler.HandleSegment(ref PacketWalk walk) => CaptureOne(ref walk, _cutAt!, _cutAddress);

    private void CaptureOne(ref PacketWalk walk, NetDevice at, Ipv4Address address)
    {
        walk.Charge(KernelStage.SleeveCapture, at);
        WakeIfAsleep(ref walk, at);
        ref var p = ref walk.P;
        // The outer header the weaver will send: its socket is bound to 6783 and so is the peer's. DF frames go
        // by its raw sender with IP_PMTUDISC_DO (udpSenderDF), the others by the UDP socket with IP_PMTUDISC_DONT.
        var outer = new FiveTuple(Local, address, IpProtocol.Udp, Port, Port);
        p.Encapsulation = new Encapsulation(EncapsulationKind.Sleeve, outer, 0, p.SourceMac, p.DestinationMac);
        p.OuterDontFragment = p.DontFragment;
        walk.Defer(this, CapturedKind); // in the weaver's ring once this core is done with it
    }

    void ILocalEndpoint.Deliver(ref PacketWalk walk)
    {
        // udp_rcv to the weaver's socket on 6783, queued for its reading goroutine.
        walk.Charge(KernelStage.UdpInput, Namespace);
        WakeIfAsleep(ref walk, null);
        walk.Defer(this, ReceivedKind);
    }

    /// <summary>sk_data_ready finds the weaver asleep in poll or epoll_wait and wakes it (a busy weaver has no sleeper to wake).</summary>
    private void WakeIfAsleep(ref PacketWalk walk, NetDevice? at)
    {
        if (!_awake)
        {
            walk.Charge(KernelStage.SocketWakeUp, Namespace, at);
        }
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        if (kind is DoneKind or ReadyKind)
        {
            // The weaver is done with a frame (its sendto, or its injection, has run): with none left it sleeps.
            if (_pending.Count == 0)
            {
                _awake = false;
                return;
            }

            if (kind == DoneKind)
            {
                // Back in user space only once the kernel work its call raised on this core has run (the softirqs
                // run at local_bh_enable and before the return to user space: the injected frame's backlog, the
                // TCP output its ACK releases): the next frame waits for the core to have nothing else to do.
                Namespace.Host.Cores[Core].WhenIdle(this, ReadyKind);
                return;
            }

            Next(woken: false);
            return;
        }

        _pending.Enqueue(((int)arg, kind == CapturedKind));
        if (!_awake)
        {
            _awake = true;
            WakeUps++;
            Next(woken: true);
        }
    }

    /// <summary>The weaver takes its oldest frame, on its core, after everything that core was given before.</summary>
    private void Next(bool woken)
    {
        var (packet, captured) = _pending.Dequeue();
        var host = Namespace.Host;
        host.Pool[packet].Core = Core; // the weaver's thread picks it up on its core
        var walk = new PacketWalk(host, packet);
        if (captured)
        {
            Send(ref walk, woken);
        }
        else
        {
            Inject(ref walk, woken);
        }

        // Behind the frame's own work on the weaver's core (FIFO): only then does the weaver look for the next.
        host.Cores[Core].Submit(SimTime.Zero, 0, this, DoneKind, 0);
    }

    private void Send(ref PacketWalk walk, bool woken)
    {
        if (woken)
        {
            // The ring's reader slept in libpcap's poll() (router/pcap.go ReadPacket): switched in, poll returns.
            walk.Charge(KernelStage.ContextSwitch, Namespace);
            walk.ChargeBytes(KernelStage.Syscall, Namespace, 0);
        }

        walk.Charge(KernelStage.SleeveEncapsulate, Namespace, Injector);
        ref var p = ref walk.P;
        var peer = _byAddress[p.Encapsulation.Outer.Destination.Value];
        if (p.DontFragment && p.InnerIpLength > peer.Mtu)
        {
            // frameTooBig for a DF frame: the weaver answers the pod with fragmentation needed at sleeve's MTU.
            FramesTooBig++;
            p.Encapsulation = Encapsulation.None;
            p.OuterDontFragment = false;
            Ipv4.SendFragmentationNeeded(Namespace, peer.Mtu, ref walk, Injector!);
            return;
        }

        if (woken)
        {
            // Down the channel to the forwarder goroutine (router/sleeve.go sleeveForwarder.run), parked in its
            // select: the Go runtime readies it and wakes a thread to run it (runtime/chan.go send, goready;
            // runtime/proc.go wakep, startm; futexwakeup): futex(FUTEX_WAKE), the sleeper's futex(FUTEX_WAIT)
            // returning, and its switch-in.
            walk.ChargeBytes(KernelStage.Syscall, Namespace, 0);
            walk.ChargeBytes(KernelStage.Syscall, Namespace, 0);
            walk.Charge(KernelStage.ContextSwitch, Namespace);
        }

        FramesSent++;
        walk.Charge(KernelStage.Syscall, Namespace); // sendto(): the datagram copied into the kernel
        walk.Charge(KernelStage.UdpOutput, Namespace);
        p.Scrub(); // a new packet, the weaver's: it crosses the root namespace's OUTPUT and POSTROUTING
        p.OuterTtl = Ipv4.DefaultTtl;
        Ipv4.Output(Namespace, ref walk);
    }

    private void Inject(ref PacketWalk walk, bool woken)
    {
        if (woken)
        {
            // The reading goroutine's last read found nothing (EAGAIN) and parked it; the netpoller's epoll_wait
            // returns with the socket readable (Go's runtime/netpoll_epoll.go) and its thread is switched in.
            walk.ChargeBytes(KernelStage.Syscall, Namespace, 0);
            walk.ChargeBytes(KernelStage.Syscall, Namespace, 0);
            walk.Charge(KernelStage.ContextSwitch, Namespace);
        }

        walk.Charge(KernelStage.Syscall, Namespace); // recvfrom(): the datagram copied to the weaver
        ref var p = ref walk.P;
        if (_byAddress.TryGetValue(p.Encapsulation.Outer.Source.Value, out var from))
        {
            // The weaver learns where the frame's source is (router/fastdp.go and the router's MAC cache).
            _remoteMacs[p.Encapsulation.InnerSourceMac.Value] = (from.Peer, p.Encapsulation.Outer.Source);
        }

        p.SourceMac = p.Encapsulation.InnerSourceMac;
        p.DestinationMac = p.Encapsulation.InnerDestinationMac;
        p.Encapsulation = Encapsulation.None;
        p.OuterDontFragment = false;
        p.Scrub();
        walk.Charge(KernelStage.SleeveDecapsulate, Namespace, Injector);
        FramesReceived++;
        if (Injector is null)
        {
            walk.Drop(DropReason.NoTunnelEndpoint, null);
            return;
        }

        // The injection: pcap_inject's send() (packet_snd copies the frame from user space) or OVS_PACKET_CMD_EXECUTE.
        walk.Charge(KernelStage.Syscall, Namespace, Injector);
        Injector.Transmit(ref walk);
    }

    /// <summary>
    /// ARP for an address behind the overlay, asked on the pcap device: the weaver floods the request to its peers
    /// and the peer whose bridge holds the address answers; both weavers learn where the two MACs are.
    /// </summary>
    public MacAddress? ResolveBeyond(NetDevice port, Ipv4Address address, MacAddress asker)
    {
        if (port != Injector)
        {
            return null;
        }

        foreach (var (peer, peerAddress) in _peers)
        {
            if (peer.ResolveOnBridge(address, asker, this) is { } mac)
            {
                _remoteMacs[mac.Value] = (peer, peerAddress);
                return mac;
            }
        }

        return null;
    }

    /// <summary>A request from <paramref name="from"/>'s weaver: this node's bridge answers, and the asker is learned as behind <paramref name="from"/>.</summary>
    private MacAddress? ResolveOnBridge(Ipv4Address address, MacAddress asker, SleeveOverlay from)
    {
        if (Injector is not VethDevice { Peer: { Master: { } bridge } bridgePort })
        {
            return null;
        }

        var answer = bridge.ResolveOnSegment(address, except: bridgePort, asker: asker);
        if (answer is not null)
        {
            foreach (var (peer, peerAddress) in _peers)
            {
                if (peer == from)
                {
                    _remoteMacs[asker.Value] = (peer, peerAddress);
                }
            }
        }

        return answer;
    }
}
