using NetPerf.Engine.Random;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// The BGP speaker of one Calico node, as calico-node's BIRD is: it listens on TCP 179 in the node's root
/// namespace, holds a session per configured peer, originates the node's IPAM block (its /26) with itself as
/// next hop, and installs the best path to every other block into the kernel FIB (<c>proto bird</c>), removing
/// it when the last path is withdrawn or its session goes down. One AS (Calico's default 64512), router id =
/// node address.
/// <para>
/// Decision process, enough for blocks inside one AS: the own block wins; otherwise the path with the shorter
/// CLUSTER_LIST, then the lower ORIGINATOR_ID (or peer router id), then the lower peer router id
/// (RFC 4271 9.1.2.2, RFC 4456 section 9). A route reflector (RFC 4456) sends a client's routes to every peer
/// but that client, and a non-client's routes to its clients only; reflected paths carry ORIGINATOR_ID and the
/// cluster id prepended to CLUSTER_LIST, and a reflector discards a path whose CLUSTER_LIST holds its own
/// cluster id (so two reflectors sharing one cluster id ignore each other's reflections). A non-reflector
/// sends only its own block (iBGP split horizon). Each change of a prefix goes to a peer as one UPDATE; BIRD
/// has no MRAI, so nothing is delayed.
/// </para>
/// </summary>
public sealed class BgpSpeaker : ITcpApplication
{
    /// <summary>BGP's well-known port (RFC 4271 section 8.2.1).</summary>
    public const ushort Port = 179;

    private readonly BgpControlPlane _plane;
    private readonly CalicoRouted _cni;
    private readonly RngStream _jitter;
    private readonly List<BgpSession> _sessions = [];
    private readonly Dictionary<Ipv4Address, BgpSession> _byPeer = [];
    private readonly Dictionary<TcpSocket, BgpSession> _bySocket = [];
    private readonly Dictionary<Ipv4Prefix, BgpPath> _best = [];
    private readonly TcpListener _listener;
    private bool _started;

    internal BgpSpeaker(BgpControlPlane plane, Node node, CalicoRouted cni, BgpTimers timers, uint clusterId, RngStream jitter)
    {
        _plane = plane;
        _cni = cni;
        _jitter = jitter;
        Node = node;
        Timers = timers;
        ClusterId = clusterId;
        OwnBlock = CalicoRouted.Block(node);
        _own.UnionWith(cni.Blocks(node));
        _listener = new TcpListener(node.Root, Port, this, Core);
    }

    public Node Node { get; }
    public Ipv4Address Address => Node.Ip;

    /// <summary>The BGP identifier: the node's IPv4 address, as Calico sets it by default.</summary>
    public uint RouterId => Node.Ip.Value;

    /// <summary>The core BIRD's single thread runs on.</summary>
    public int Core => 0;

    public BgpTimers Timers { get; }

    /// <summary>The route reflector cluster id if this speaker is a reflector (<c>rr cluster id</c>), else 0.</summary>
    public uint ClusterId { get; }

    public bool IsReflector => ClusterId != 0;

    /// <summary>The node's first block (10.244.N.0/26); it originates every block it holds (<see cref="OwnBlocks"/>).</summary>
    public Ipv4Prefix OwnBlock { get; }

    /// <summary>Every block this node originates: its first, and each further block calico-ipam gave it.</summary>
    public IReadOnlyCollection<Ipv4Prefix> OwnBlocks => _own;

    private readonly HashSet<Ipv4Prefix> _own = [];

    public IReadOnlyList<BgpSession> Sessions => _sessions;

    /// <summary>The process is gone with its node.</summary>
    public bool Stopped { get; private set; }

    public int EstablishedSessions => _sessions.Count(s => s.State == BgpSessionState.Established);

    /// <summary>The Loc-RIB: the best path to each prefix this speaker knows, its own block included.</summary>
    public IReadOnlyDictionary<Ipv4Prefix, BgpPath> BestPaths => _best;

    internal BgpWire Wire => _plane.Wire;

    public BgpSession SessionWith(Ipv4Address peer) => _byPeer[peer];

    internal BgpSession AddPeer(Ipv4Address peer, bool peerIsClient)
    {
        var session = new BgpSession(this, peer, peerIsClient);
        _sessions.Add(session);
        _byPeer.Add(peer, session);
        if (_started && !Stopped)
        {
            session.Start();
        }

        return session;
    }

    /// <summary>BIRD starts: its own block enters the Loc-RIB and every session starts.</summary>
    internal void Start()
    {
        _started = true;
        foreach (var block in _own)
        {
            _best[block] = new BgpPath(block, Address, 0, [], null);
        }

        foreach (var session in _sessions)
        {
            session.Start();
        }
    }

    /// <summary>BIRD exports a block the node has just claimed (Calico's static protocol for each affine block): to every established peer now.</summary>
    internal void Originate(Ipv4Prefix block)
    {
        if (!_own.Add(block) || !_started || Stopped)
        {
            return;
        }

        var path = new BgpPath(block, Address, 0, [], null);
        _best[block] = path;
        foreach (var session in _sessions)
        {
            if (session.State == BgpSessionState.Established)
            {
                Export(session, block, path);
            }
        }
    }

    internal void Stop()
    {
        Stopped = true;
        foreach (var session in _sessions)
        {
            session.Stop();
        }

        _bySocket.Clear();
    }

    /// <summary>A timer value jittered to 75-100% of itself (RFC 4271 section 10).</summary>
    internal SimTime Jitter(SimTime value) => value - new SimTime(_jitter.NextInt64((value.Picoseconds / 4) + 1));

    internal void Register(TcpSocket socket, BgpSession session) => _bySocket[socket] = session;

    /// <summary>Lets a connection go: closed (FIN after anything written), and nothing more from it is acted on.</summary>
    internal void Abandon(TcpSocket socket)
    {
        _bySocket.Remove(socket);
        Wire.Forget(socket);
        socket.Close();
    }

    void ITcpApplication.OnConnected(TcpSocket socket)
    {
        if (Stopped)
        {
            return;
        }

        if (_bySocket.TryGetValue(socket, out var session))
        {
            session.OnTcpConnected(socket); // our connect() completed
            return;
        }

        // accept(): a peer connected to port 179. Only a configured peer whose session is waiting gets it.
        if (_byPeer.TryGetValue(socket.RemoteAddress, out session) && session.CanAccept)
        {
            Register(socket, session);
            session.OnTcpConnected(socket);
        }
        else
        {
            socket.Close();
        }
    }

    void ITcpApplication.OnReceived(TcpSocket socket, long bytes)
    {
        if (!Stopped && _bySocket.TryGetValue(socket, out var session))
        {
            session.OnTcpReceived(socket, bytes);
        }
    }

    void ITcpApplication.OnPeerClosed(TcpSocket socket)
    {
        if (Stopped)
        {
            return;
        }

        Wire.PeerClosed(socket);
        if (_bySocket.TryGetValue(socket, out var session))
        {
            session.OnTcpClosed(socket);
        }
        else
        {
            socket.Close(); // a connection already let go, or refused: finish closing it
        }
    }

    void ITcpApplication.OnClosed(TcpSocket socket)
    {
        if (!Stopped && _bySocket.TryGetValue(socket, out var session))
        {
            session.OnTcpClosed(socket);
        }
    }

    /// <summary>The session reached Established: the peer gets every best path it should see.</summary>
    internal void OnEstablished(BgpSession session)
    {
        _plane.OnSessionChange();
        foreach (var path in _best.Values.ToArray())
        {
            Export(session, path.Prefix, path);
        }
    }

    /// <summary>The session went down: what was learned on it is gone, and what was sent on it is forgotten.</summary>
    internal void OnSessionDown(BgpSession session)
    {
        _plane.OnSessionChange();
        session.Advertised.Clear();
        var lost = session.Received.Keys.ToArray();
        session.Received.Clear();
        foreach (var prefix in lost)
        {
            Decide(prefix);
        }
    }

    internal void OnUpdate(BgpSession from, in BgpMessage update)
    {
        var path = update.Path;
        bool loop = path is not null
            && (path.OriginatorId == RouterId || (IsReflector && path.ClusterList.Contains(ClusterId)) || _own.Contains(path.Prefix));
        if (path is null || loop)
        {
            // A withdrawal, or a path that came back round (RFC 4456 section 8): treated as withdrawn.
            if (!from.Received.Remove(update.Prefix))
            {
                return;
            }
        }
        else
        {
            from.Received[update.Prefix] = new BgpPath(path.Prefix, path.NextHop, path.OriginatorId, [.. path.ClusterList], from);
        }

        Decide(update.Prefix);
    }

    /// <summary>Runs the decision process for one prefix; on a change, programs the FIB and tells the peers.</summary>
    private void Decide(Ipv4Prefix prefix)
    {
        BgpPath? best = _own.Contains(prefix) ? _best[prefix] : null;
        if (best is null)
        {
            foreach (var session in _sessions)
            {
                if (session.State == BgpSessionState.Established && session.Received.TryGetValue(prefix, out var candidate)
                    && (best is null || Better(candidate, best)))
                {
                    best = candidate;
                }
            }
        }

        _best.TryGetValue(prefix, out var old);
        if (ReferenceEquals(old, best))
        {
            return;
        }

        if (best is null)
        {
            _best.Remove(prefix);
            _cni.RemoveBlockRoute(Node, prefix);
            _plane.OnRouteChange(this, prefix, installed: false);
        }
        else
        {
            _best[prefix] = best;
            if (old is null || old.NextHop != best.NextHop)
            {
                _cni.InstallBlockRoute(Node, prefix, best.NextHop);
                _plane.OnRouteChange(this, prefix, installed: true);
            }
        }

        foreach (var session in _sessions)
        {
            if (session.State == BgpSessionState.Established)
            {
                Export(session, prefix, best);
            }
        }
    }

    private static bool Better(BgpPath a, BgpPath b)
    {
        if (a.ClusterList.Count != b.ClusterList.Count)
        {
            return a.ClusterList.Count < b.ClusterList.Count;
        }

        uint originA = a.OriginatorId != 0 ? a.OriginatorId : a.From!.PeerRouterId;
        uint originB = b.OriginatorId != 0 ? b.OriginatorId : b.From!.PeerRouterId;
        return originA != originB ? originA < originB : a.From!.PeerRouterId < b.From!.PeerRouterId;
    }

    /// <summary>Brings what the peer was told about <paramref name="prefix"/> in line with the best path: an UPDATE, a withdrawal, or nothing.</summary>
    private void Export(BgpSession session, Ipv4Prefix prefix, BgpPath? best)
    {
        var announce = best is not null && MayAdvertise(best, session) ? AsSentTo(best) : null;
        session.Advertised.TryGetValue(prefix, out var sent);
        if (announce is not null)
        {
            if (sent is null || !sent.SameAttributes(announce))
            {
                session.Advertised[prefix] = announce;
                session.Send(BgpMessage.Announce(announce));
            }
        }
        else if (sent is not null)
        {
            session.Advertised.Remove(prefix);
            session.Send(BgpMessage.Withdraw(prefix));
        }
    }

    private bool MayAdvertise(BgpPath best, BgpSession to)
    {
        if (best.From is null)
        {
            return true; // our own block, to every peer
        }

        if (best.From == to || !IsReflector)
        {
            return false; // never back to where it came from; and only a reflector passes iBGP routes on
        }

        return best.From.PeerIsClient || to.PeerIsClient;
    }

    /// <summary>The path as this speaker announces it: reflected paths gain ORIGINATOR_ID and this cluster at the head of CLUSTER_LIST.</summary>
    private BgpPath AsSentTo(BgpPath best)
    {
        if (best.From is null)
        {
            return best;
        }

        uint originator = best.OriginatorId != 0 ? best.OriginatorId : best.From.PeerRouterId;
        return new BgpPath(best.Prefix, best.NextHop, originator, [ClusterId, .. best.ClusterList], null);
    }

    public override string ToString() => $"bgp {Node.Name} ({Address}, {EstablishedSessions}/{_sessions.Count} established)";
}
