using NetPerf.Network.Cpu;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Transport.Tcp;

/// <summary>
/// A listening socket (listen() on a port): a SYN for the port creates a connection in SYN-RECEIVED, which is
/// accepted once the handshake's ACK arrives; later segments are handed to their connection by the 4-tuple,
/// as the kernel's established hash does.
/// </summary>
public sealed class TcpListener : ILocalEndpoint, IIcmpErrorReceiver
{
    private readonly Dictionary<FiveTuple, TcpSocket> _connections = [];

    public TcpListener(NetworkNamespace ns, ushort port, ITcpApplication application, int core = 0, TcpOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(core, ns.Host.Cores.Count);
        Namespace = ns;
        Port = port;
        Application = application;
        Core = core;
        Options = options ?? TcpOptions.Linux;
        ns.Bind(IpProtocol.Tcp, port, this);
    }

    public NetworkNamespace Namespace { get; }
    public ushort Port { get; }
    public ITcpApplication Application { get; }

    /// <summary>The core the server process runs on.</summary>
    public int Core { get; }

    public TcpOptions Options { get; }

    /// <summary>Wake-up latency of the server process (see <see cref="TcpSocket.WakeUpLatency"/>).</summary>
    public Engine.Time.SimTime WakeUpLatency { get; set; }

    /// <summary>Stamped on what accepted sockets send, so a workload's CPU includes its server's side.</summary>
    public int FlowId { get; init; }

    /// <summary>
    /// One server process serves several workloads' clients (one external server every pod calls): each accepted
    /// connection is accounted to its client's flow, the one its SYN carries, not to <see cref="FlowId"/>.
    /// </summary>
    public bool FlowOfClient { get; set; }

    public long Accepted { get; private set; }

    /// <summary>False once <see cref="StopListening"/> was called.</summary>
    public bool Listening { get; private set; } = true;

    /// <summary>
    /// close() of the listening socket, as a server does on SIGTERM: connections already accepted go on to their
    /// end; a new SYN is answered with a RST (the client's connect() fails with ECONNREFUSED).
    /// </summary>
    public void StopListening() => Listening = false;
    public int Connections => _connections.Count;

    /// <summary>An ICMP error about what an accepted connection sent goes to that connection (the quoted flow is its own, reversed in the table's key).</summary>
    void IIcmpErrorReceiver.DeliverIcmpError(ref PacketWalk walk)
    {
        if (_connections.TryGetValue(walk.P.IcmpQuotedFlow.Reversed, out var socket))
        {
            ((IIcmpErrorReceiver)socket).DeliverIcmpError(ref walk);
            return;
        }

        walk.Consume();
    }

    void ILocalEndpoint.Deliver(ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        if (_connections.TryGetValue(p.Flow, out var socket))
        {
            socket.Receive(ref walk);
            return;
        }

        if (!Listening)
        {
            // close() of the listening socket: its accepted connections live on, a new SYN finds no listener.
            TcpReset.RefuseAndDrop(Namespace, null, ref walk);
            return;
        }

        if ((p.Tcp.Flags & (TcpFlags.Syn | TcpFlags.Ack)) != TcpFlags.Syn)
        {
            walk.Drop(DropReason.NoSocket, null); // the kernel would answer with a reset
            return;
        }

        walk.Charge(KernelStage.TcpConnection, Namespace); // the request sock, the child socket, accept() and its close()
        socket = TcpSocket.Accepting(this, p.Flow.Destination, p.Flow.Source, p.Flow.SourcePort, in p);
        socket.WakeUpLatency = WakeUpLatency;
        _connections.Add(p.Flow, socket);
        socket.Receive(ref walk);
    }

    /// <summary>Packets sent by every connection this listener accepted, open or closed.</summary>
    public long PacketsSent
    {
        get
        {
            long sent = _closedPacketsSent;
            foreach (var connection in _connections.Values)
            {
                sent += connection.Statistics.PacketsSent;
            }

            return sent;
        }
    }

    private long _closedPacketsSent;

    internal void OnEstablished() => Accepted++;

    internal void Remove(TcpSocket socket)
    {
        _closedPacketsSent += socket.Statistics.PacketsSent;
        _connections.Remove(new FiveTuple(socket.RemoteAddress, socket.LocalAddress, IpProtocol.Tcp, socket.RemotePort, socket.LocalPort));
    }
}
