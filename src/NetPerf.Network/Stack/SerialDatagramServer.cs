using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Stack;

/// <summary>
/// A single-threaded UDP server process on its socket's core: it takes one datagram at a time, recvfrom() copies
/// it, the process works on it for its service time, sendto() answers, and only then comes the next. Requests
/// from every client queue for the one process, first come first served.
/// </summary>
public abstract class SerialDatagramServer : IDatagramReceiver, IEventHandler
{
    private const int ReadKind = 0;
    private const int ServedKind = 1;
    private readonly Queue<Request> _pending = new();
    private Request _current;
    private bool _busy;

    protected SerialDatagramServer(UdpSocket socket)
    {
        Socket = socket;
        socket.Receiver = this;
    }

    public UdpSocket Socket { get; }

    /// <summary>What the server keeps of a datagram until it answers it.</summary>
    protected readonly record struct Request(Ipv4Address Address, ushort Port, long ApplicationData, int IpLength);

    /// <summary>The flow id its syscalls are accounted to.</summary>
    protected virtual int FlowId => 0;

    /// <summary>A datagram arrived (before it waits for the process): for counting what was delivered.</summary>
    protected virtual void OnArrival(in Packet datagram)
    {
    }

    /// <summary>The process's work for <paramref name="request"/>, asked when it starts on it.</summary>
    protected abstract SimTime ServiceTime(in Request request);

    /// <summary>sendto(): the answer to <paramref name="request"/>.</summary>
    protected abstract void Answer(in Request request);

    void IDatagramReceiver.OnDatagram(UdpSocket socket, in Packet datagram, SimTime now)
    {
        OnArrival(in datagram);
        _pending.Enqueue(new Request(datagram.Flow.Source, datagram.Flow.SourcePort, datagram.ApplicationData, datagram.IpLength));
        ServeNext();
    }

    private void ServeNext()
    {
        if (_busy || _pending.Count == 0)
        {
            return;
        }

        _busy = true;
        _current = _pending.Dequeue();
        Socket.Namespace.Host.RunKernelWork(Socket.Core, KernelStage.Syscall, _current.IpLength, FlowId, this, ReadKind);
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        if (kind == ReadKind)
        {
            Socket.Namespace.Host.RunApplicationWork(Socket.Core, ServiceTime(in _current), this, ServedKind);
            return;
        }

        Answer(in _current);
        _busy = false;
        ServeNext();
    }
}
