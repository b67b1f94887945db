using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
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
        TcpOptions? options = null, int flowId = 0)
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
        Options = options ?? TcpOptions.Linux;
        FlowId = flowId;
        var host = endpoints.Client.Host;
        Measurement = new Measurement(host.Sim);
        _rng = host.Testbed.Streams.Create($"workload/{name}/arrivals");
        Listener = new TcpListener(endpoints.Server, endpoints.ServerPort,
            new RequestResponseServer(_plan, service ?? ServiceTime.None, Measurement), endpoints.ServerCore, Options)
        {
            WakeUpLatency = endpoints.WakeUpLatency,
        };
    }

    public string Name { get; }
    public Endpoints Endpoints { get; }
    public RequestPattern Pattern { get; }
    public int Clients { get; }
    public MessageSize Request { get; }
    public MessageSize Response { get; }
    public double Rate { get; }
    public TcpOptions Options { get; }
    public int FlowId { get; }
    public TcpListener Listener { get; }
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

    private void ScheduleArrival() =>
        Endpoints.Client.Host.Sim.ScheduleAfter(SimTime.FromSeconds(-Math.Log(1 - _rng.NextDouble()) / Rate), this);

    void IEventHandler.OnEvent(int kind, long arg)
    {
        // An open-loop arrival: the next connection in turn takes the request, whatever it has outstanding.
        _clients[_nextClient].SendRequest();
        _nextClient = (_nextClient + 1) % _clients.Count;
        ScheduleArrival();
    }

    private sealed class ClientConnection : ITcpApplication
    {
        private readonly TcpRequestResponse _w;
        private readonly Queue<(SimTime Start, int Response)> _outstanding = new();
        private readonly Queue<(int Request, int Response)> _plan;
        private readonly SimTime _connectStart;
        private long _received;
        private bool _connected;
        private int _waitingToSend;

        public ClientConnection(TcpRequestResponse workload)
        {
            _w = workload;
            var e = workload.Endpoints;
            _connectStart = e.Client.Host.Sim.Now;
            Socket = TcpSocket.Connect(e.Client, e.ServerAddress, e.ServerPort, this, e.ClientCore, workload.Options, workload.FlowId, e.WakeUpLatency);
            _plan = workload._plan.For(Socket.LocalPort);
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
            if (_w.Pattern != RequestPattern.OpenLoop)
            {
                SendRequest();
            }

            for (; _waitingToSend > 0; _waitingToSend--)
            {
                Send();
            }
        }

        public void SendRequest()
        {
            if (!_connected)
            {
                _waitingToSend++; // an arrival before the handshake finished: sent once connected
                _w.Measurement.RequestStarted();
                _outstanding.Enqueue((_w.Endpoints.Client.Host.Sim.Now, -1));
                return;
            }

            if (_w.Pattern != RequestPattern.ConnectionPerRequest)
            {
                _w.Measurement.RequestStarted();
            }

            var start = _w.Pattern == RequestPattern.ConnectionPerRequest ? _connectStart : _w.Endpoints.Client.Host.Sim.Now;
            _outstanding.Enqueue((start, -1));
            Send();
        }

        /// <summary>Writes the oldest request not yet written.</summary>
        private void Send()
        {
            int request = _w.Request.Next();
            int response = _w.Response.Next();
            _plan.Enqueue((request, response));
            FixResponseSize(response);
            Socket.Send(request);
        }

        private void FixResponseSize(int response)
        {
            // The first outstanding entry still without a size is the request just written.
            int n = _outstanding.Count;
            for (int i = 0; i < n; i++)
            {
                var entry = _outstanding.Dequeue();
                if (entry.Response < 0 && response >= 0)
                {
                    entry = (entry.Start, response);
                    response = -1;
                }

                _outstanding.Enqueue(entry);
            }
        }

        public void OnReceived(TcpSocket socket, long bytes)
        {
            _w.Measurement.Delivered(bytes);
            _received += bytes;
            while (_outstanding.Count > 0 && _outstanding.Peek().Response >= 0 && _received >= _outstanding.Peek().Response)
            {
                var (start, response) = _outstanding.Dequeue();
                _received -= response;
                _w.Measurement.RequestCompleted(start);
                switch (_w.Pattern)
                {
                    case RequestPattern.ClosedLoop:
                        SendRequest();
                        break;
                    case RequestPattern.ConnectionPerRequest:
                        _w.Measurement.ConnectionCompleted(start);
                        socket.Close();
                        _w.Replace(this);
                        break;
                }
            }
        }

        public void OnPeerClosed(TcpSocket socket) => socket.Close();

        public void OnClosed(TcpSocket socket)
        {
            _w._tcp.Add(socket.Statistics);
            _w._live.Remove(socket);
            _w._plan.Forget(socket.LocalPort);
        }
    }

    /// <summary>TCP_CRR: the next transaction opens a new connection as soon as the last response is in.</summary>
    private void Replace(ClientConnection done)
    {
        int i = _clients.IndexOf(done);
        _clients[i] = new ClientConnection(this);
    }
}
