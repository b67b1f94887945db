using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Workloads.Udp;

/// <summary>
/// UDP_RR: each of N clients sends a request datagram and waits for the response datagram before the next. UDP
/// does not recover a loss, so the application sees it: after <see cref="Timeout"/> without an answer the
/// request counts as lost and the next one goes. Each side's recvfrom() runs on its process's core.
/// </summary>
public sealed class UdpRequestResponse : IWorkload
{
    private readonly List<Client> _clients = [];

    public UdpRequestResponse(string name, Endpoints endpoints, int clients, MessageSize request, MessageSize response,
        ServiceTime? service = null, SimTime? timeout = null, int flowId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        Name = name;
        Endpoints = endpoints;
        Clients = clients;
        Request = request;
        Response = response;
        Timeout = timeout ?? SimTime.FromSeconds(1);
        FlowId = flowId;
        Measurement = new Measurement(endpoints.Client.Host.Sim);
        var bind = endpoints.ServerBindAddress ?? endpoints.ServerAddress;
        Server = new UdpSocket(endpoints.Server, bind, endpoints.ListenPort, endpoints.ServerCore)
        {
            WakeUpLatency = endpoints.WakeUpLatency,
        };
        _service = service ?? ServiceTime.None;
        _ = new Responder(this, _service, Server);
        ReplicaServers = [.. endpoints.Replicas.Select(r => AddServer(r.Namespace, r.Address))];
    }

    private readonly ServiceTime _service;

    /// <summary>
    /// A server process in <paramref name="ns"/> bound to <paramref name="address"/> on the workload's port, on the
    /// server's core: more servers behind one Service, each a process of its own. Its socket's close() is the
    /// process stopping: datagrams that still come find no socket.
    /// </summary>
    public UdpSocket AddServer(Network.Topology.NetworkNamespace ns, Ipv4Address address)
    {
        var socket = new UdpSocket(ns, address, Endpoints.ListenPort, Endpoints.ServerCore) { WakeUpLatency = Endpoints.WakeUpLatency };
        _ = new Responder(this, _service, socket);
        return socket;
    }

    public string Name { get; }
    public Endpoints Endpoints { get; }
    public int Clients { get; }
    public MessageSize Request { get; }
    public MessageSize Response { get; }
    public SimTime Timeout { get; }
    public int FlowId { get; }
    public Measurement Measurement { get; }
    public UdpSocket Server { get; }

    /// <summary>The same responder on each of <see cref="Endpoints.Replicas"/>.</summary>
    public IReadOnlyList<UdpSocket> ReplicaServers { get; }
    public TcpStatisticsTotal? Tcp => null;

    /// <summary>Datagrams sendto() refused with EMSGSIZE.</summary>
    public long Refused => _clients.Sum(c => c.Socket.MessageTooLong);

    public void Start()
    {
        var e = Endpoints;
        var route = e.Client.RouteTo(e.ServerAddress) ?? throw new InvalidOperationException($"no route from {e.Client} to {e.ServerAddress}.");
        var address = route.Device.PrimaryAddress ?? throw new InvalidOperationException($"{route.Device} has no address.");
        for (int i = 0; i < Clients; i++)
        {
            var socket = new UdpSocket(e.Client, address, e.Client.AllocateEphemeralPort(IpProtocol.Udp), e.ClientCore)
            {
                WakeUpLatency = e.WakeUpLatency,
            };
            var client = new Client(this, socket);
            _clients.Add(client);
            client.SendRequest();
        }
    }

    /// <summary>Whether <see cref="Stop"/> was called: each client sends no request after the one outstanding (answered or timed out).</summary>
    public bool Stopped { get; private set; }

    public void Stop() => Stopped = true;

    private sealed class Client : IDatagramReceiver, IEventHandler
    {
        private const int TimeoutKind = 0;
        private const int ReadKind = 1;
        private readonly UdpRequestResponse _w;
        private readonly DeadlineTimer _timer;
        private SimTime _start;
        private int _expected;
        private uint _number; // the request's number: a response to an earlier one is not this one's

        public Client(UdpRequestResponse workload, UdpSocket socket)
        {
            _w = workload;
            Socket = socket;
            socket.Receiver = this;
            _timer = new DeadlineTimer(socket.Namespace.Host.Sim, this, TimeoutKind);
        }

        public UdpSocket Socket { get; }

        public void SendRequest()
        {
            var sim = Socket.Namespace.Host.Sim;
            _start = sim.Now;
            _expected = _w.Response.Next();
            _number++;
            _w.Measurement.RequestStarted();
            _timer.ArmAfter(_w.Timeout);
            // The request's number and the response size ride in its header, as an application protocol's would.
            Socket.Send(_w.Endpoints.ServerAddress, _w.Endpoints.ServerPort, _w.Request.Next(), _w.FlowId,
                applicationData: ((long)_number << 32) | (uint)_expected);
        }

        public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now)
        {
            if (!_timer.IsArmed || (uint)(datagram.ApplicationData >> 32) != _number)
            {
                _w.Measurement.AnsweredLate(); // the answer to a request already given up on (counted lost then)
                return;
            }

            // recvfrom() copies it on this process's core; the request completes when that returns.
            socket.Namespace.Host.RunKernelWork(socket.Core, KernelStage.Syscall, datagram.IpLength, _w.FlowId, this, ReadKind, datagram.PayloadBytes);
            _timer.Disarm();
        }

        void IEventHandler.OnEvent(int kind, long arg)
        {
            if (kind == TimeoutKind)
            {
                _w.Measurement.RequestLost(_start);
            }
            else
            {
                _w.Measurement.Delivered(arg);
                _w.Measurement.RequestCompleted(_start);
            }

            if (!_w.Stopped)
            {
                SendRequest();
            }
        }
    }

    /// <summary>The server process, single-threaded: recvfrom(), compute, sendto(), then the next datagram.</summary>
    private sealed class Responder(UdpRequestResponse workload, ServiceTime service, UdpSocket socket) : SerialDatagramServer(socket)
    {
        protected override int FlowId => workload.FlowId;

        protected override void OnArrival(in Packet datagram) => workload.Measurement.Delivered(datagram.PayloadBytes);

        protected override SimTime ServiceTime(in Request request) => service.Next();

        // The response echoes the request's header, so the client can tell which request it answers.
        protected override void Answer(in Request request) =>
            Socket.Send(request.Address, request.Port, (int)(uint)request.ApplicationData, workload.FlowId, applicationData: request.ApplicationData);
    }
}
