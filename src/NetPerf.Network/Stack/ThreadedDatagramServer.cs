using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Stack;

/// <summary>
/// A UDP server process with one or more threads, each pinned to its own core, that all read the one socket: a
/// free thread takes the oldest waiting datagram, recvfrom() copies it on that thread's core, the thread works
/// on it for its service time, sendto() answers from the same core, and the thread is free again. Requests from
/// every client wait in one queue, first come first served: with c threads and a fixed service time this is the
/// M/D/c (or D/D/c) queue, and c threads answer c times the rate of one before a queue builds. A Go server such
/// as CoreDNS is this with GOMAXPROCS threads (a goroutine per query, run on at most that many cores at once).
/// </summary>
public abstract class ThreadedDatagramServer : IDatagramReceiver, IEventHandler
{
    private const int ReadKind = 0;
    private const int ServedKind = 1;
    private readonly Queue<Request> _pending = new();
    private readonly Request[] _current;
    private readonly bool[] _busy;
    private readonly int[] _cores;

    /// <param name="cores">The core of each thread; thread 0 is the one a free query goes to first.</param>
    protected ThreadedDatagramServer(UdpSocket socket, IReadOnlyList<int> cores)
    {
        ArgumentOutOfRangeException.ThrowIfZero(cores.Count);
        foreach (int core in cores)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(core, socket.Namespace.Host.Cores.Count);
        }

        Socket = socket;
        socket.Receiver = this;
        _cores = [.. cores];
        _current = new Request[_cores.Length];
        _busy = new bool[_cores.Length];
    }

    public UdpSocket Socket { get; }

    /// <summary>How many requests the server can work on at once (its threads).</summary>
    public int Threads => _cores.Length;

    /// <summary>Requests waiting for a free thread now.</summary>
    public int Waiting => _pending.Count;

    /// <summary>What the server keeps of a datagram until it answers it.</summary>
    protected readonly record struct Request(Ipv4Address Address, ushort Port, long ApplicationData, int IpLength);

    /// <summary>The flow id its syscalls are accounted to.</summary>
    protected virtual int FlowId => 0;

    /// <summary>The thread now in <see cref="ServiceTime"/> or <see cref="Answer"/>.</summary>
    protected int ServingThread { get; private set; }

    /// <summary>The core of <see cref="ServingThread"/>: where its sendto() runs.</summary>
    protected int ServingCore => _cores[ServingThread];

    /// <summary>A datagram arrived (before it waits for a thread): for counting what was delivered.</summary>
    protected virtual void OnArrival(in Packet datagram)
    {
    }

    /// <summary>The thread's work for <paramref name="request"/>, asked when it starts on it.</summary>
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
        // The lowest-numbered free thread takes it, so a run is the same whatever the order threads freed up in.
        for (int thread = 0; thread < _cores.Length && _pending.Count > 0; thread++)
        {
            if (_busy[thread])
            {
                continue;
            }

            _busy[thread] = true;
            _current[thread] = _pending.Dequeue();
            Socket.Namespace.Host.RunKernelWork(_cores[thread], KernelStage.Syscall, _current[thread].IpLength, FlowId, this, ReadKind, thread);
        }
    }

    void IEventHandler.OnEvent(int kind, long arg)
    {
        int thread = (int)arg;
        ServingThread = thread;
        if (kind == ReadKind)
        {
            Socket.Namespace.Host.RunApplicationWork(_cores[thread], ServiceTime(in _current[thread]), this, ServedKind, thread);
            return;
        }

        Answer(in _current[thread]);
        _busy[thread] = false;
        ServeNext();
    }
}
