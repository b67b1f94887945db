using NetPerf.Network.Topology;
using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Workloads.Tcp;

/// <summary>How a request/response workload offers its requests.</summary>
public enum RequestPattern
{
    /// <summary>TCP_RR: each of N clients keeps one connection and one request outstanding, the next sent when the response is in.</summary>
    ClosedLoop,

    /// <summary>TCP_CRR: each of N clients opens a connection per request (connect, request, response, close).</summary>
    ConnectionPerRequest,

    /// <summary>Poisson arrivals at a rate, spread over N persistent connections and pipelined: the offered load does not wait for responses.</summary>
    OpenLoop,
}

/// <summary>
/// Request/response over TCP, netperf style: TCP_RR, TCP_CRR, or open-loop Poisson arrivals. A request's latency
/// runs from the client's write() of the request to the moment its recv() returns the response's last byte.
/// </summary>
public sealed class TcpRequestResponse : IWorkload, IEventHandler
{
    private readonly RequestPlan _plan = new();
    private readonly List<ClientConnection> _clients = [];
    private readonly TcpStatisticsTotal _tcp = new();
    private readonly RngStream _rng;
    private int _nextClient;

    public TcpRequestResponse(string name, Endpoints endpoints, RequestPattern pattern, int clients,
        MessageSize request, MessageSize response, ServiceTime? service = null, double ratePerSecond = 0,
        TcpOptions? options = null, int flowId = 0, Arrivals arrivals = Arrivals.Poisson, SimTime? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        if (pattern == RequestPattern.OpenLoop && !(ratePerSecond > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "an open-loop workload needs an arrival rate above 0 per second.");
        }

        Name = name;
        Endpoints = endpoints;
        Pattern = pattern;
        Clients = clients;
        Request = request;
        Response = response;
        Rate = ratePerSecond;
        Arrivals = arrivals;
        Timeout = timeout;
        Options = options ?? TcpOptions.Linux;
        FlowId = flowId;
        var host = endpoints.Client.Host;
        Measurement = new Measurement(host.Sim);
        _rng = host.Testbed.Streams.Create($"workload/{name}/arrivals");
        _service = service ?? ServiceTime.None;
        Listener = AddServer(endpoints.Server);
        ReplicaListeners = [.. endpoints.Replicas.Select(r => AddServer(r.Namespace))];
    }

    private readonly ServiceTime _service;
    private RngStream? _connectionWork;

    /// <summary>
    /// The state this connection finds the CPUs in (<see cref="Network.Cpu.CostTable.ConnectionWorkSigma"/>): one
    /// lognormal factor of median 1 for all the kernel work on the client's and the server's cores, so a
    /// connection's stages vary together, as a cold slab object or a timer batch slows all of them at once. Drawn
    /// from this workload's own stream (results stay the same per seed); nothing is drawn where the table gives no
    /// spread, so such runs are as before. Cores shared by several connections take the latest one's state.
    /// </summary>
    private void DrawConnectionWork()
    {
        var e = Endpoints;
        double sigma = e.Client.Host.Costs.ConnectionWorkSigma;
        if (sigma <= 0)
        {
            return;
        }

        _connectionWork ??= e.Client.Host.Testbed.Streams.Create($"workload/{Name}/connection-work");
        // Box-Muller: one standard normal from two uniforms, both drawn every time.
        double z = Math.Sqrt(-2 * Math.Log(1 - _connectionWork.NextDouble())) * Math.Cos(2 * Math.PI * _connectionWork.NextDouble());
        double scale = Math.Exp(sigma * z);
        e.Client.Host.Cores[e.ClientCore].WorkScale = scale;
        e.Server.Host.Cores[e.ServerCore].WorkScale = scale;
        for (int i = 0; i < e.Replicas.Count; i++)
        {
            e.Replicas[i].Namespace.Host.Cores[e.ServerCore].WorkScale = scale;
        }
    }

    /// <summary>
    /// A server process in <paramref name="ns"/> listening on the workload's port, on the server's core: the first
    /// is <see cref="Listener"/>; more are replicas behind one Service, each a process of its own. Where another
    /// request/response workload's server already listens there (two workloads calling one external server, run
    /// together), that process serves this workload's clients too, on its own core: one listener, each connection
    /// accounted to its client's flow.
    /// </summary>
    public TcpListener AddServer(NetPerf.Network.Topology.NetworkNamespace ns)
    {
        if (ns.BoundEndpoint(IpProtocol.Tcp, Endpoints.ListenPort) is TcpListener { Application: RequestResponseServer shared } listener)
        {
            shared.Serve(FlowId, _plan, _service, Measurement);
            listener.FlowOfClient = true;
            return listener;
        }

        return new(ns, Endpoints.ListenPort, new RequestResponseServer(FlowId, _plan, _service, Measurement), Endpoints.ServerCore, Options)
        {
            WakeUpLatency = Endpoints.WakeUpLatency,
            FlowId = FlowId,
        };
    }

    /// <summary>Connections opened so far: the next one's number in <see cref="RequestPlan.Key"/>.</summary>
    private uint _connections;

    public string Name { get; }
    public Endpoints Endpoints { get; }
    public RequestPattern Pattern { get; }
    public int Clients { get; }
    public MessageSize Request { get; }
    public MessageSize Response { get; }
    public double Rate { get; }

    /// <summary>How open-loop requests arrive at <see cref="Rate"/>.</summary>
    public Arrivals Arrivals { get; }

    /// <summary>
    /// How long the client waits for a response before it gives up on the request: one answered later is counted
    /// lost (timed out), not measured. Null: it waits for ever, as netperf does. The connection is kept (a client
    /// cancelling the request, not the connection), so the server still does the work.
    /// </summary>
    public SimTime? Timeout { get; }
    public TcpOptions Options { get; }
    public int FlowId { get; }
    public TcpListener Listener { get; }

    /// <summary>The same server on each of <see cref="Endpoints.Replicas"/>.</summary>
    public IReadOnlyList<TcpListener> ReplicaListeners { get; }
    public Measurement Measurement { get; }

    /// <summary>TCP counters of every client connection, open or closed.</summary>
    public TcpStatisticsTotal Tcp => _tcp.WithLive(_live);

    TcpStatisticsTotal? IWorkload.Tcp => Tcp;

    private readonly HashSet<TcpSocket> _live = [];

    /// <summary>Packets the client connections sent, open or closed (without allocating, for benchmarks).</summary>
    public long ClientPacketsSent
    {
        get
        {
            long sent = _tcp.PacketsSent;
            foreach (var socket in _live)
            {
                sent += socket.Statistics.PacketsSent;
            }

            return sent;
        }
    }

    public void Start()
    {
        for (int i = 0; i < Clients; i++)
        {
            _clients.Add(new ClientConnection(this));
        }

        if (Pattern == RequestPattern.OpenLoop)
        {
            ScheduleArrival();
        }
    }

    /// <summary>Whether <see cref="Stop"/> was called: no new request or connection from then on.</summary>
    public bool Stopped { get; private set; }

    public void Stop()
    {
        if (Stopped)
        {
            return;
        }

        Stopped = true;
        foreach (var client in _clients.ToList())
        {
            client.CloseIfIdle(); // the others close when their last answer is in (a CRR connection when its transaction ends)
        }
    }

    private bool _firstArrival = true;

    /// <summary>The next arrival: an exponential gap (Poisson), or 1/rate after the last (constant), the first at a random phase in one gap.</summary>
    private void ScheduleArrival()
    {
        double gap = Arrivals == Arrivals.Poisson ? -Math.Log(1 - _rng.NextDouble()) / Rate
            : _firstArrival ? _rng.NextDouble() / Rate
            : 1 / Rate;
        _firstArrival = false;
        Endpoints.Client.Host.Sim.ScheduleAfter(SimTime.FromSeconds(gap), this);
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        if (kind == ReconnectKind)
        {
            if (!Stopped)
            {
                Reconnect((int)arg);
            }

            return;
        }

        if (Stopped)
        {
            return; // the arrival process ended with the client
        }

        // An open-loop arrival: the next connection in turn takes the request, whatever it has outstanding.
        _clients[_nextClient].SendRequest();
        _nextClient = (_nextClient + 1) % _clients.Count;
        ScheduleArrival();
    }

    private sealed class ClientConnection : ITcpApplication
    {
        private readonly TcpRequestResponse _w;
        private readonly Queue<SimTime> _unwritten = new();                 // requests that came before the handshake finished
        private readonly Queue<(SimTime Start, int Response)> _outstanding = new(); // written, awaiting their response
        private readonly Queue<(int Request, int Response)> _plan;
        private readonly SimTime _connectStart;
        private long _received;
        private long _pendingWrite; // bytes write() could not take yet (the send buffer was full)
        private bool _connected;
        private bool _done;

        public ClientConnection(TcpRequestResponse workload)
        {
            _w = workload;
            var e = workload.Endpoints;
            _connectStart = e.Client.Host.Sim.Now;
            if (workload.Pattern == RequestPattern.ConnectionPerRequest)
            {
                workload.DrawConnectionWork(); // before connect(): the socket's own setup is part of the connection's work
            }

            long key = RequestPlan.Key(workload.FlowId, ++workload._connections);
            Socket = TcpSocket.Connect(e.Client, e.ServerAddress, e.ServerPort, this, e.ClientCore, workload.Options, workload.FlowId, e.WakeUpLatency, applicationData: key);
            _plan = workload._plan.For(key);
            workload._live.Add(Socket);
            if (workload.Pattern == RequestPattern.ConnectionPerRequest)
            {
                workload.Measurement.RequestStarted(); // the transaction starts with connect()
            }
        }

        public TcpSocket Socket { get; }

        public void OnConnected(TcpSocket socket)
        {
            _connected = true;
            if (_w.Pattern == RequestPattern.ConnectionPerRequest)
            {
                Write(_connectStart);
                return;
            }

            if (_w.Pattern == RequestPattern.ClosedLoop && !_w.Stopped)
            {
                SendRequest();
            }

            while (_unwritten.Count > 0)
            {
                Write(_unwritten.Dequeue());
            }

            if (_w.Stopped)
            {
                CloseIfIdle(); // stopped during its handshake with nothing to send
            }
        }

        /// <summary>A new request now (RR and open loop).</summary>
        public void SendRequest()
        {
            var now = _w.Endpoints.Client.Host.Sim.Now;
            _w.Measurement.RequestStarted();
            if (!_connected)
            {
                _unwritten.Enqueue(now); // sent once connected
                return;
            }

            Write(now);
        }

        private void Write(SimTime start)
        {
            int request = _w.Request.Next();
            int response = _w.Response.Next();
            _plan.Enqueue((request, response));
            _outstanding.Enqueue((start, response));
            if (_pendingWrite > 0)
            {
                _pendingWrite += request; // behind what is already waiting for room
                return;
            }

            _pendingWrite = request - Socket.Send(request);
        }

        public void OnSendSpace(TcpSocket socket)
        {
            if (_pendingWrite > 0)
            {
                _pendingWrite -= socket.Send(_pendingWrite);
            }
        }

        public void OnReceived(TcpSocket socket, long bytes)
        {
            if (_w.Timeout is null)
            {
                _w.Measurement.Delivered(bytes); // a client that waits for ever wants every byte, as it arrives
            }

            _received += bytes;
            while (_outstanding.Count > 0 && _received >= _outstanding.Peek().Response)
            {
                var (start, response) = _outstanding.Dequeue();
                _received -= response;
                if (_w.Timeout is { } limit && socket.Namespace.Host.Sim.Now - start > limit)
                {
                    // The client gave up on it: the late answer is discarded, neither measured nor goodput.
                    _w.Measurement.RequestLost(start);
                    _w.Measurement.AnsweredLate();
                }
                else
                {
                    if (_w.Timeout is not null)
                    {
                        _w.Measurement.Delivered(response); // with a timeout, a response is goodput once it is known in time
                    }

                    _w.Measurement.RequestCompleted(start);
                }

                switch (_w.Pattern)
                {
                    case RequestPattern.ClosedLoop when _w.Stopped:
                        CloseIfIdle();
                        break;
                    case RequestPattern.ClosedLoop:
                        SendRequest();
                        break;
                    case RequestPattern.OpenLoop when _w.Stopped:
                        CloseIfIdle();
                        break;
                    case RequestPattern.ConnectionPerRequest:
                        _done = true;
                        _w.Measurement.ConnectionCompleted(start);
                        socket.Close();
                        _w.Replace(this);
                        break;
                }
            }
        }

        /// <summary>After <see cref="Stop"/>: a connection with nothing outstanding or unsent is closed (a FIN, not a reset).</summary>
        public void CloseIfIdle()
        {
            if (!_done && _connected && _outstanding.Count == 0 && _unwritten.Count == 0)
            {
                _done = true;
                Socket.Close();
            }
        }

        public void OnPeerClosed(TcpSocket socket) => socket.Close();

        public void OnClosed(TcpSocket socket)
        {
            _w._tcp.Add(socket.Statistics);
            _w._live.Remove(socket);
            _w._plan.Forget(socket.ApplicationData);
            if (_done)
            {
                return;
            }

            // The connection failed (refused, reset, or timed out): what it still owed is lost, and the client
            // starts over on a new connection, as netperf's loop would.
            _w.Measurement.ConnectionFailed(socket.Error);
            if (_w.Pattern == RequestPattern.ConnectionPerRequest && _outstanding.Count == 0)
            {
                _w.Measurement.RequestLost(_connectStart);
            }

            while (_unwritten.Count > 0)
            {
                _w.Measurement.RequestLost(_unwritten.Dequeue());
            }

            while (_outstanding.Count > 0)
            {
                _w.Measurement.RequestLost(_outstanding.Dequeue().Start);
            }

            _done = true;
            _w.Replace(this);
        }
    }

    /// <summary>The next connection takes the client's place: TCP_CRR's next transaction, or a failed connection's successor.</summary>
    private void Replace(ClientConnection done)
    {
        int i = _clients.IndexOf(done);
        if (i >= 0 && !Stopped)
        {
            Reconnect(i);
        }
    }

    /// <summary>connect() failures for want of a free local port (EADDRNOTAVAIL: every port in use or in TIME-WAIT).</summary>
    public long PortsExhausted { get; private set; }

    /// <summary>How long a client waits before trying connect() again after EADDRNOTAVAIL.</summary>
    public static readonly SimTime ReconnectDelay = SimTime.FromMilliseconds(10);

    private void Reconnect(int client)
    {
        try
        {
            _clients[client] = new ClientConnection(this);
        }
        catch (NetPerf.Network.Topology.PortsExhaustedException)
        {
            PortsExhausted++;
            Endpoints.Client.Host.Sim.ScheduleAfter(ReconnectDelay, this, ReconnectKind, client);
        }
    }

    private const int ArrivalKind = 0;
    private const int ReconnectKind = 1;
}
