using NetPerf.Engine.Scheduling;
using NetPerf.Transport.Tcp;

namespace NetPerf.Workloads.Tcp;

/// <summary>
/// netserver for the request/response tests, as one single-threaded process on one core: it reads each request
/// whole, computes for the service time, writes the response, and only then starts on the next request. So
/// requests from every client queue for the one process (first come, first served), and its write()s queue
/// behind nothing of its own; on the core it still competes with the kernel's work. One process may serve
/// several workloads (one server every pod calls, as an external API is): each connection is its client's
/// workload's, found from what its first bytes say (<see cref="RequestPlan.FlowOf"/>), with that workload's
/// sizes, service time and measurement.
/// </summary>
internal sealed class RequestResponseServer : ITcpApplication, IEventHandler
{
    private readonly Dictionary<int, Served> _workloads = [];
    private readonly Served _first;
    private readonly Dictionary<TcpSocket, Connection> _connections = [];
    private readonly Queue<(TcpSocket Socket, int Response, Served By)> _ready = new();
    private (TcpSocket Socket, int Response, Served By) _serving;
    private bool _busy;

    public RequestResponseServer(int flowId, RequestPlan plan, ServiceTime service, Measurement measurement)
    {
        _first = new Served(plan, service, measurement);
        _workloads[flowId] = _first;
    }

    /// <summary>Serves <paramref name="flowId"/>'s clients too, from now on.</summary>
    public void Serve(int flowId, RequestPlan plan, ServiceTime service, Measurement measurement) =>
        _workloads.Add(flowId, new Served(plan, service, measurement));

    /// <summary>A workload's part of the server: its connections' sizes, its service time, where its counts go.</summary>
    private sealed record Served(RequestPlan Plan, ServiceTime Service, Measurement Measurement);

    public void OnConnected(TcpSocket socket) => ConnectionOf(socket);

    public void OnReceived(TcpSocket socket, long bytes)
    {
        var connection = ConnectionOf(socket);
        connection.By.Measurement.Delivered(bytes);
        connection.Pending += bytes;
        while (connection.Plan.Count > 0 && connection.Pending >= connection.Plan.Peek().Request)
        {
            var (request, response) = connection.Plan.Dequeue();
            connection.Pending -= request;
            _ready.Enqueue((socket, response, connection.By));
        }

        ServeNext();
    }

    public void OnSendSpace(TcpSocket socket)
    {
        if (_connections.TryGetValue(socket, out var connection) && connection.PendingWrite > 0)
        {
            connection.PendingWrite -= socket.Send(connection.PendingWrite);
        }
    }

    public void OnPeerClosed(TcpSocket socket) => socket.Close();

    public void OnClosed(TcpSocket socket) => _connections.Remove(socket);

    private Connection ConnectionOf(TcpSocket socket)
    {
        if (!_connections.TryGetValue(socket, out var connection))
        {
            // One workload: every connection is its own (a client of no workload, a probe, takes its plan too).
            var by = _workloads.Count == 1 ? _first : _workloads.GetValueOrDefault(RequestPlan.FlowOf(socket.ApplicationData), _first);
            connection = new Connection(by, by.Plan.For(socket.ApplicationData));
            _connections[socket] = connection;
        }

        return connection;
    }

    private void ServeNext()
    {
        while (!_busy && _ready.Count > 0)
        {
            _serving = _ready.Dequeue();
            var work = _serving.By.Service.Next();
            if (work.Picoseconds == 0)
            {
                Respond();
                continue;
            }

            _busy = true;
            _serving.Socket.Namespace.Host.RunApplicationWork(_serving.Socket.Core, work, this);
        }
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        _busy = false;
        Respond();
        ServeNext();
    }

    private void Respond()
    {
        var socket = _serving.Socket;
        if (socket.State is not (TcpState.Established or TcpState.CloseWait) || socket.IsShutDown
            || !_connections.TryGetValue(socket, out var connection))
        {
            return; // the client went away while its request was being served
        }

        if (connection.PendingWrite > 0)
        {
            connection.PendingWrite += _serving.Response; // behind what waits for room in the send buffer
            return;
        }

        connection.PendingWrite = _serving.Response - socket.Send(_serving.Response);
    }

    private sealed class Connection(Served by, Queue<(int Request, int Response)> plan)
    {
        public Served By { get; } = by;
        public Queue<(int Request, int Response)> Plan { get; } = plan;
        public long Pending { get; set; }

        /// <summary>Response bytes write() could not take yet.</summary>
        public long PendingWrite { get; set; }
    }
}
