using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// One configured peering of a speaker (a <c>protocol bgp</c> block in bird.cfg) and RFC 4271's finite state
/// machine for it, over a TCP connection to port 179.
/// <para>
/// Which side connects: Calico's node-to-node mesh is made unidirectional (bird.cfg.template: <c>passive on</c>
/// towards a peer whose address is greater), so the node with the higher address opens the connection and the
/// lower one only listens; the same rule is used for reflector peerings here. With exactly one side
/// connecting, connection collisions (RFC 4271 section 6.8) cannot happen and are not modelled.
/// </para>
/// <para>
/// Timers: the connect retry timer (the connect delay before the first attempt, the error wait after a failure)
/// and the keepalive timer are jittered to 75-100% of their value each time they start (RFC 4271 section 10,
/// as BIRD's bgp_start_timer does); the hold timer is not, so silence is noticed exactly one hold time after the
/// last message arrived.
/// </para>
/// </summary>
public sealed class BgpSession : IEventHandler
{
    private const int ConnectRetryKind = 0;
    private const int HoldKind = 1;
    private const int KeepaliveKind = 2;

    /// <summary>NOTIFICATION error code 5: Finite State Machine Error.</summary>
    private const byte FsmError = 5;

    private readonly DeadlineTimer _connectRetry;
    private readonly DeadlineTimer _hold;
    private readonly DeadlineTimer _keepalive;
    private TcpSocket? _socket;
    private long _unread;

    internal BgpSession(BgpSpeaker speaker, Ipv4Address peer, bool peerIsClient)
    {
        Speaker = speaker;
        PeerAddress = peer;
        PeerIsClient = peerIsClient;
        Passive = peer.Value > speaker.Address.Value;
        var sim = speaker.Node.Host.Sim;
        _connectRetry = new DeadlineTimer(sim, this, ConnectRetryKind);
        _hold = new DeadlineTimer(sim, this, HoldKind);
        _keepalive = new DeadlineTimer(sim, this, KeepaliveKind);
    }

    public BgpSpeaker Speaker { get; }
    public Ipv4Address PeerAddress { get; }

    /// <summary>The peer's BGP identifier, from its OPEN (0 before).</summary>
    public uint PeerRouterId { get; private set; }

    /// <summary>This speaker is a route reflector and the peer its client (<c>rr client</c>).</summary>
    public bool PeerIsClient { get; }

    /// <summary>This side waits for the peer to connect (the peer has the higher address).</summary>
    public bool Passive { get; }

    public BgpSessionState State { get; private set; }

    /// <summary>The hold time both sides agreed on: the smaller of the two OPENs' offers.</summary>
    public SimTime NegotiatedHold { get; private set; }

    /// <summary>The keepalive interval used (before jitter): the configured one, at most a third of the hold time.</summary>
    public SimTime KeepaliveInterval { get; private set; }

    /// <summary>How many times the session reached Established.</summary>
    public int TimesEstablished { get; private set; }

    /// <summary>When the session last reached Established, or went down.</summary>
    public SimTime LastStateChange { get; private set; }

    /// <summary>Times the hold timer expired (the peer went silent).</summary>
    public int HoldTimerExpiries { get; private set; }

    /// <summary>Adj-RIB-In: the paths the peer announced and this speaker accepted.</summary>
    internal Dictionary<Ipv4Prefix, BgpPath> Received { get; } = [];

    /// <summary>Adj-RIB-Out: what this speaker last announced to the peer, per prefix.</summary>
    internal Dictionary<Ipv4Prefix, BgpPath> Advertised { get; } = [];

    private BgpTimers Timers => Speaker.Timers;
    private SimTime Now => Speaker.Node.Host.Sim.Now;

    internal void Start()
    {
        if (Passive)
        {
            State = BgpSessionState.Active;
        }
        else
        {
            State = BgpSessionState.Idle;
            _connectRetry.ArmAfter(Speaker.Jitter(Timers.ConnectDelay));
        }
    }

    /// <summary>The speaker's process is gone (the node failed): no timers, no sockets, nothing sent.</summary>
    internal void Stop()
    {
        _connectRetry.Disarm();
        _hold.Disarm();
        _keepalive.Disarm();
        _socket = null;
        State = BgpSessionState.Idle;
    }

    internal bool CanAccept => Passive && State == BgpSessionState.Active;

    void IEventHandler.OnEvent(int kind, long arg)
    {
        switch (kind)
        {
            case ConnectRetryKind:
                if (State is BgpSessionState.Idle or BgpSessionState.Connect)
                {
                    Connect(); // first attempt, or the last one went unanswered
                }

                break;
            case HoldKind:
                if (State is BgpSessionState.OpenSent or BgpSessionState.OpenConfirm or BgpSessionState.Established)
                {
                    HoldTimerExpiries++;
                    Send(BgpMessage.Notification(BgpMessage.HoldTimerExpired));
                    Fail();
                }

                break;
            case KeepaliveKind:
                if (State is BgpSessionState.OpenConfirm or BgpSessionState.Established)
                {
                    Send(BgpMessage.Keepalive());
                }

                break;
            default:
                throw new InvalidOperationException($"unexpected event kind {kind}.");
        }
    }

    private void Connect()
    {
        if (_socket is not null)
        {
            Speaker.Abandon(_socket); // the SYN went unanswered for a whole connect retry time
        }

        State = BgpSessionState.Connect;
        _socket = TcpSocket.Connect(Speaker.Node.Root, PeerAddress, BgpSpeaker.Port, Speaker, Speaker.Core);
        Speaker.Register(_socket, this);
        _connectRetry.ArmAfter(Speaker.Jitter(Timers.ConnectRetry));
    }

    /// <summary>TCP is up (our connect() returned, or the speaker accepted the peer's connection for us): send OPEN.</summary>
    internal void OnTcpConnected(TcpSocket socket)
    {
        _connectRetry.Disarm();
        _socket = socket;
        _unread = 0;
        State = BgpSessionState.OpenSent;
        Send(BgpMessage.Open(Speaker.RouterId, Timers.Hold));
        _hold.ArmAfter(Timers.StartupHold);
    }

    /// <summary>recv() returned <paramref name="bytes"/>: act on every message now read to its last byte.</summary>
    internal void OnTcpReceived(TcpSocket socket, long bytes)
    {
        if (socket != _socket)
        {
            return;
        }

        _unread += bytes;
        var incoming = Speaker.Wire.Incoming(socket);
        while (incoming is { Count: > 0 } && _unread >= incoming.Peek().Bytes && socket == _socket)
        {
            var message = incoming.Dequeue();
            _unread -= message.Bytes;
            Handle(message);
        }
    }

    /// <summary>The peer closed the connection, or it was reset or timed out.</summary>
    internal void OnTcpClosed(TcpSocket socket)
    {
        if (socket == _socket && State is BgpSessionState.OpenSent or BgpSessionState.OpenConfirm or BgpSessionState.Established)
        {
            Fail();
        }
    }

    private void Handle(in BgpMessage message)
    {
        switch (message.Type)
        {
            case BgpMessageType.Open when State == BgpSessionState.OpenSent:
                PeerRouterId = message.RouterId;
                NegotiatedHold = SimTime.Min(Timers.Hold, message.Hold);
                KeepaliveInterval = SimTime.Min(Timers.Keepalive, NegotiatedHold / 3);
                State = BgpSessionState.OpenConfirm;
                Send(BgpMessage.Keepalive());
                _hold.ArmAfter(NegotiatedHold);
                break;
            case BgpMessageType.Keepalive when State is BgpSessionState.OpenConfirm or BgpSessionState.Established:
                _hold.ArmAfter(NegotiatedHold);
                if (State == BgpSessionState.OpenConfirm)
                {
                    State = BgpSessionState.Established;
                    TimesEstablished++;
                    LastStateChange = Now;
                    Speaker.OnEstablished(this);
                }

                break;
            case BgpMessageType.Update when State == BgpSessionState.Established:
                _hold.ArmAfter(NegotiatedHold);
                Speaker.OnUpdate(this, message);
                break;
            case BgpMessageType.Notification:
                Fail(); // the peer gave up on the session and closes the connection
                break;
            default:
                Send(BgpMessage.Notification(FsmError)); // a message the state does not allow
                Fail();
                break;
        }
    }

    /// <summary>Sends on the session's connection; an UPDATE or KEEPALIVE restarts the keepalive timer (RFC 4271 8.2.2).</summary>
    internal void Send(in BgpMessage message)
    {
        if (_socket is null)
        {
            return;
        }

        Speaker.Wire.Send(_socket, message);
        if (message.Type is BgpMessageType.Keepalive or BgpMessageType.Update && KeepaliveInterval > SimTime.Zero)
        {
            _keepalive.ArmAfter(Speaker.Jitter(KeepaliveInterval));
        }
    }

    /// <summary>
    /// The session goes down: the connection is closed (a NOTIFICATION already written still goes first), the
    /// peer's routes are withdrawn, and the session starts over (the active side after the error wait).
    /// </summary>
    private void Fail()
    {
        _hold.Disarm();
        _keepalive.Disarm();
        if (_socket is not null)
        {
            Speaker.Abandon(_socket);
            _socket = null;
        }

        _unread = 0;
        LastStateChange = Now;
        State = Passive ? BgpSessionState.Active : BgpSessionState.Idle;
        if (!Passive)
        {
            _connectRetry.ArmAfter(Speaker.Jitter(Timers.ErrorWait));
        }

        Speaker.OnSessionDown(this);
    }

    public override string ToString() => $"{Speaker.Node.Name} -> {PeerAddress} ({State})";
}
