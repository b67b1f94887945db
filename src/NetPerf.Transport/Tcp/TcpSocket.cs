using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Transport.Tcp;

/// <summary>
/// One end of a TCP connection over the simulated stack (net/ipv4/tcp*.c in outline). What it models:
/// <list type="bullet">
/// <item>the handshake (so the first packet walks the netfilter rules and creates conntrack state), MSS from
/// the route's MTU (1460 direct, 1410 in a 1450-MTU pod; 12 bytes less of payload with timestamps);</item>
/// <item>GSO: data leaves as super-packets of up to 64 KB sized by tcp_tso_autosize, so the stack's per-packet
/// work is paid per super-packet;</item>
/// <item>slow start and congestion avoidance (NewReno or CUBIC), fast retransmit after three duplicate
/// segments with the hole taken from the first SACK block, NewReno partial ACKs, RTO with exponential backoff
/// and go-back-N, RFC 6298 RTT estimation from timestamps;</item>
/// <item>delayed ACKs (an ACK for every second full segment, otherwise after 40 ms unless data carries it),
/// the receive window, FIN in both directions.</item>
/// </list>
/// TIME-WAIT holds the active closer's port for 60 s, absorbing stray segments (reusable after 1 s under
/// tcp_tw_reuse). Left out: Nagle
/// (sockets behave as TCP_NODELAY, as netperf's RR tests set), zero-window probes, quick-ACK mode, HyStart,
/// pacing, TCP small queues, RST generation (a segment without a socket is dropped and counted).
/// Work runs where the kernel runs it: writes and reads on the process's core, input and the ACKs and data it
/// clocks out on the core that received the packet, timers on the process's core.
/// </summary>
public sealed partial class TcpSocket : IReusableEndpoint, IEventHandler, IIcmpErrorReceiver
{
    private const int SegmentKind = 0;
    private const int RetransmitTimerKind = 1;
    private const int DelayedAckKind = 2;
    private const int AwakeKind = 3;
    private const int ReadDoneKind = 4;
    private const int ConnectedKind = 6;
    private const int PacingTimerKind = 7;
    private const int PacingKickKind = 8;
    private const int PacingResumeKind = 9;
    private const int FragmentationNeededKind = 10;
    private const int PortUnreachableKind = 11;

    /// <summary>SYN and SYN-ACK carry MSS 4, SACK-permitted 2, timestamps 10, window scale 3 and a NOP: 20 B of options.</summary>
    public const int SynHeaderBytes = HeaderSizes.Tcp + 20;

    /// <summary>Every later segment carries the timestamps option, padded to 12 B.</summary>
    public const int HeaderBytes = HeaderSizes.Tcp + HeaderSizes.TcpTimestampsOption;

    private readonly TcpListener? _listener;
    private readonly DeadlineTimer _retransmitTimer;
    private readonly DeadlineTimer _delayedAckTimer;
    private readonly DeadlineTimer _pacingTimer;
    private readonly RttEstimator _rtt;
    private CongestionControl _cc;

    /// <summary>The connect4 program translated the peer: its run is charged on the first SYN (where connect() runs), once.</summary>
    private bool _connectTranslationUncharged;

    private TcpSocket(NetworkNamespace ns, Ipv4Address local, ushort localPort, Ipv4Address remote, ushort remotePort,
        ITcpApplication application, int core, TcpOptions options, TcpListener? listener)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(core, ns.Host.Cores.Count);
        Namespace = ns;
        LocalAddress = local;
        LocalPort = localPort;
        RemoteAddress = remote;
        RemotePort = remotePort;
        Application = application;
        Core = core;
        Options = options;
        _listener = listener;
        _retransmitTimer = new DeadlineTimer(ns.Host.Sim, this, RetransmitTimerKind);
        _delayedAckTimer = new DeadlineTimer(ns.Host.Sim, this, DelayedAckKind);
        _pacingTimer = new DeadlineTimer(ns.Host.Sim, this, PacingTimerKind);
        _rtt = new RttEstimator(options);
        _cc = CongestionControl.Create(options.CongestionControl, options.InitialWindowSegments, options.InitialSlowStartThreshold);
        _rx = new ReceiveQueue(0);
        var route = ns.RouteTo(remote);
        _advertisedMss = (route?.Mtu ?? 1500) - HeaderSizes.Ipv4 - HeaderSizes.Tcp;
    }

    public NetworkNamespace Namespace { get; }
    public Ipv4Address LocalAddress { get; }
    public ushort LocalPort { get; }
    public Ipv4Address RemoteAddress { get; }
    public ushort RemotePort { get; }
    public ITcpApplication Application { get; }

    /// <summary>The core the owning process runs on.</summary>
    public int Core { get; }

    public TcpOptions Options { get; }
    public TcpState State { get; private set; }

    /// <summary>The workload's flow id, stamped on every packet for per-flow CPU and latency accounting.</summary>
    public int FlowId { get; set; }

    /// <summary>The scheduler's wake-up and context switch of the process after data arrives.</summary>
    public SimTime WakeUpLatency { get; set; }

    public TcpStatistics Statistics { get; } = new();

    /// <summary>close() or shutdown(SHUT_WR) was called: write() would fail with EPIPE.</summary>
    public bool IsShutDown => _finQueued;

    /// <summary>Payload bytes per segment (MSS less the timestamps option): 1448 direct, 1398 inside VXLAN.</summary>
    public int SegmentPayload => _mss;

    /// <summary>The MSS this end advertised in its SYN: its route's MTU less 40.</summary>
    public int AdvertisedMss => _advertisedMss;

    public int CongestionWindow => _cc.Window;
    public int SlowStartThreshold => _cc.SlowStartThreshold;
    public bool InRecovery => _inRecovery;
    public RttEstimator Rtt => _rtt;

    /// <summary>Bytes written by the application and not yet acknowledged by the peer.</summary>
    public long Unacknowledged => DataEnd - _sndUna;

    /// <summary>
    /// connect(): a client socket from an ephemeral port of <paramref name="ns"/> (the kernel's hashed choice,
    /// <see cref="NetworkNamespace.AllocateConnectPort"/>), or from <paramref name="localPort"/> when the application
    /// bound one first; the SYN leaves now. <paramref name="applicationData"/> is what the client's protocol tells
    /// the server of this connection in its first bytes (<see cref="ApplicationData"/>).
    /// </summary>
    public static TcpSocket Connect(NetworkNamespace ns, Ipv4Address remote, ushort remotePort, ITcpApplication application,
        int core = 0, TcpOptions? options = null, int flowId = 0, SimTime wakeUpLatency = default, ushort localPort = 0, long applicationData = 0)
    {
        // BPF_CGROUP_INET4_CONNECT runs in __inet_stream_connect before tcp_v4_connect routes: the socket is
        // routed to, and its packets carry, whatever address the program left.
        bool translated = ns.Host.SocketAddressHook is { } hook && hook.TryConnect(IpProtocol.Tcp, ref remote, ref remotePort);
        var route = ns.RouteTo(remote) ?? throw new InvalidOperationException($"no route to {remote} in namespace {ns} (ENETUNREACH).");
        var local = route.Device.PrimaryAddress ?? throw new InvalidOperationException($"{route.Device} has no address to connect from.");
        if (route.Device == ns.Loopback)
        {
            local = remote; // a connection to a local address comes from that address
        }

        ushort port = localPort != 0 ? localPort : ns.AllocateConnectPort(local, remote, remotePort);
        var socket = new TcpSocket(ns, local, port, remote, remotePort, application, core, options ?? TcpOptions.Linux, null)
        {
            FlowId = flowId,
            ApplicationData = applicationData,
            WakeUpLatency = wakeUpLatency,
            _connectTranslationUncharged = translated,
        };
        ns.Bind(IpProtocol.Tcp, port, socket);
        socket.State = TcpState.SynSent;
        ns.Host.RunKernelWork(core, KernelStage.TcpConnection, 0, flowId); // socket(), connect() and, later, close()
        socket.SendSyn(core);
        return socket;
    }

    /// <summary>An accepted connection: its flow is the listener's, or the client's where the listener serves several (<see cref="TcpListener.FlowOfClient"/>).</summary>
    internal static TcpSocket Accepting(TcpListener listener, Ipv4Address local, Ipv4Address remote, ushort remotePort, in Packet syn) =>
        new(listener.Namespace, local, listener.Port, remote, remotePort, listener.Application, listener.Core, listener.Options, listener)
        {
            State = TcpState.SynReceived,
            FlowId = listener.FlowOfClient ? syn.FlowId : listener.FlowId,
            ApplicationData = syn.ApplicationData,
        };

    /// <summary>
    /// What the client's protocol says of this connection in its first bytes (a request header naming what it
    /// asks for): payload is not modelled, so it rides on the SYN (<see cref="Packet.ApplicationData"/>), which no
    /// NAT rewrites, and an accepted socket holds its client's. The server's application reads it with the data.
    /// </summary>
    public long ApplicationData { get; private init; }

    /// <summary>
    /// write(): queues <paramref name="bytes"/> for the peer, as far as the send buffer has room, and returns how
    /// many it took. The syscall runs on the process's core; segments follow as the windows allow.
    /// </summary>
    public long Send(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_finQueued)
        {
            throw new InvalidOperationException("write() after shutdown(SHUT_WR) (EPIPE).");
        }

        long room = Math.Max(0, Options.SendBufferBytes - (_writtenEnd - Math.Max(_sndUna, 1)));
        long taken = Math.Min(bytes, room);
        _writeBlocked = taken < bytes;
        if (taken == 0)
        {
            return 0;
        }

        // write() runs to completion in the process's context: the copy, then as many segments as the windows
        // allow, through IP to the driver, as one stretch of work on the process's core.
        _writtenEnd += taken;
        DataEnd += taken;
        _unchargedWrite += taken;
        TrySend(Core);
        if (_unchargedWrite > 0)
        {
            // Nothing could leave (the windows are shut): the copy alone.
            Namespace.Host.RunKernelWork(Core, KernelStage.Syscall, (int)Math.Min(_unchargedWrite, int.MaxValue), FlowId);
            _unchargedWrite = 0;
        }

        return taken;
    }

    /// <summary>close() (or shutdown(SHUT_WR)): a FIN follows the data already written.</summary>
    public void Close()
    {
        if (_finQueued || State is TcpState.Closed)
        {
            return;
        }

        _finQueued = true;
        _finSequence = _writtenEnd;
        if (State is TcpState.Established or TcpState.CloseWait)
        {
            TrySend(Core);
        }
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        switch (kind)
        {
            case SegmentKind:
                OnSegment((int)arg);
                break;
            case RetransmitTimerKind:
                OnRetransmitTimer();
                break;
            case DelayedAckKind:
                if (State != TcpState.Closed && _rx.Next > _lastAckSent)
                {
                    Statistics.DelayedAcks++;
                    SendAck(Core, duplicateSegments: 0);
                }

                break;
            case AwakeKind:
                Read();
                break;
            case ReadDoneKind:
                OnReadDone(arg);
                break;
            case ConnectedKind:
                Application.OnConnected(this);
                break;
            case PacingTimerKind:
                // The pinned soft hrtimer fires on the core that armed it: its interrupt and softirq, then tcp_pace_kick.
                Statistics.PacingTimers++;
                Namespace.Host.RunKernelWork(Core, KernelStage.TcpPacingTimer, 0, FlowId, this, PacingKickKind);
                break;
            case PacingKickKind:
                TrySend(Core);
                break;
            case PacingResumeKind:
                _resumePending = false;
                TrySend(Core);
                break;
            case FragmentationNeededKind:
                Namespace.Host.Pool.Return((int)arg);
                OnFragmentationNeeded();
                break;
            case PortUnreachableKind:
                Namespace.Host.Pool.Return((int)arg);
                OnPortUnreachable();
                break;
            default:
                throw new InvalidOperationException($"unexpected event kind {kind}.");
        }
    }

    public override string ToString() => $"tcp {LocalAddress}:{LocalPort} -> {RemoteAddress}:{RemotePort} ({State})";
}
