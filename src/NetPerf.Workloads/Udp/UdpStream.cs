using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Workloads.Udp;

/// <summary>
/// UDP_STREAM at an offered rate: datagrams of <see cref="DatagramBytes"/> sent at constant spacing (a paced
/// sender, as iperf3 -u -b does), received and counted. Each of <see cref="Senders"/> senders is one process
/// with a socket of its own (its own source port, so its own flow: its own conntrack entry and Service endpoint,
/// as netperf's parallel processes are), offering an equal share of the rate; a sendto() starts only when the
/// same sender's previous one has returned, so an offered rate above what the core can send becomes the core's
/// rate. Loss is what the receiver never got: sent - received.
/// </summary>
public sealed class UdpStream : IWorkload, IEventHandler, IDatagramReceiver
{
    private const int SendKind = 0;
    private const int ReturnedKind = 1;
    private UdpSocket[] _senders = [];
    private SimTime[] _nextSend = [];
    private SimTime _interval;

    public UdpStream(string name, Endpoints endpoints, int datagramBytes, double bitsPerSecond, int senders = 1, int flowId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(datagramBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(senders, 1);
        if (!(bitsPerSecond > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(bitsPerSecond), bitsPerSecond, "the offered rate must be above 0 bit/s.");
        }

        Name = name;
        Endpoints = endpoints;
        DatagramBytes = datagramBytes;
        BitsPerSecond = bitsPerSecond;
        Senders = senders;
        FlowId = flowId;
        Measurement = new Measurement(endpoints.Client.Host.Sim);
        Receiver = new UdpSocket(endpoints.Server, endpoints.ServerBindAddress ?? endpoints.ServerAddress, endpoints.ListenPort, endpoints.ServerCore)
        {
            WakeUpLatency = endpoints.WakeUpLatency,
            Receiver = this,
        };
        ReplicaReceivers = [.. endpoints.Replicas.Select(r => new UdpSocket(r.Namespace, r.Address, endpoints.ListenPort, endpoints.ServerCore)
        {
            WakeUpLatency = endpoints.WakeUpLatency,
            Receiver = this,
        })];
    }

    public string Name { get; }
    public Endpoints Endpoints { get; }
    public int DatagramBytes { get; }
    /// <summary>The offered rate of all the senders together.</summary>
    public double BitsPerSecond { get; }

    /// <summary>Sending processes, each with its own socket and an equal share of <see cref="BitsPerSecond"/>.</summary>
    public int Senders { get; }

    /// <summary>The senders' sockets, once started.</summary>
    public IReadOnlyList<UdpSocket> SenderSockets => _senders;
    public int FlowId { get; }
    public Measurement Measurement { get; }
    public UdpSocket Receiver { get; }

    /// <summary>The same receiver on each of <see cref="Endpoints.Replicas"/>.</summary>
    public IReadOnlyList<UdpSocket> ReplicaReceivers { get; }
    public TcpStatisticsTotal? Tcp => null;

    public long Sent { get; private set; }
    public long Received { get; private set; }

    /// <summary>
    /// Sent, and received, during the measured window (each by its own clock: sent by send time, received by
    /// arrival), so that in steady state 1 - received/sent is the loss ratio, free of the queue's delay.
    /// </summary>
    public long SentMeasured { get; private set; }
    public long ReceivedMeasured { get; private set; }

    public void Start()
    {
        var e = Endpoints;
        var route = e.Client.RouteTo(e.ServerAddress) ?? throw new InvalidOperationException($"no route from {e.Client} to {e.ServerAddress}.");
        // Each sender's spacing: the rate is the senders' together, so each sends 1/Senders of it.
        _interval = SimTime.FromSeconds(DatagramBytes * 8.0 * Senders / BitsPerSecond);
        _senders = new UdpSocket[Senders];
        _nextSend = new SimTime[Senders];
        for (int i = 0; i < Senders; i++)
        {
            _senders[i] = new UdpSocket(e.Client, route.Device.PrimaryAddress ?? e.ServerAddress, e.Client.AllocateEphemeralPort(IpProtocol.Udp), e.ClientCore);
            e.Client.Host.Sim.ScheduleAfter(SimTime.Zero, this, SendKind, i);
        }
    }

    /// <summary>Whether <see cref="Stop"/> was called: the sender's next sendto() does not come.</summary>
    public bool Stopped { get; private set; }

    public void Stop() => Stopped = true;

    void IEventHandler.OnEvent(int kind, long arg)
    {
        var sim = Endpoints.Client.Host.Sim;
        if (Stopped)
        {
            return;
        }

        if (kind == ReturnedKind)
        {
            // sendto() returned: the next one at its time, or now if the process is already late.
            sim.Schedule(SimTime.Max(sim.Now, _nextSend[arg]), this, SendKind, arg);
            return;
        }

        Sent++;
        if (sim.Now >= Measurement.WarmUpEnd)
        {
            SentMeasured++;
        }

        var sender = _senders[arg];
        sender.Send(Endpoints.ServerAddress, Endpoints.ServerPort, DatagramBytes, FlowId);
        _nextSend[arg] = sim.Now + _interval;

        // An empty job behind the send's work on the same core marks the moment this sender's sendto() returns.
        Endpoints.Client.Host.Cores[sender.Core].Submit(SimTime.Zero, 0, this, ReturnedKind, arg);
    }

    public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now)
    {
        Received++;
        if (now >= Measurement.WarmUpEnd)
        {
            ReceivedMeasured++;
            Measurement.Delivered(datagram.PayloadBytes);
        }

        socket.Namespace.Host.RunKernelWork(socket.Core, KernelStage.Syscall, datagram.IpLength, FlowId);
    }
}
