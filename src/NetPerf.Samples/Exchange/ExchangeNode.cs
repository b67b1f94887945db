using NetPerf.Engine.Random;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;

namespace NetPerf.Samples.Exchange;

/// <summary>
/// One node of the <see cref="MessageExchange"/>: a single server with a FIFO queue. Its state is touched only
/// by its own events and its random numbers come from its own stream, so it can run in any partition.
/// </summary>
public sealed class ExchangeNode : IEventHandler
{
    private const int Originate = 0;
    private const int Arrive = 1;
    private const int Done = 2;

    private readonly Simulator _sim;
    private readonly ExchangeParameters _p;
    private readonly ExchangeNode[] _nodes; // read-only while the simulation runs
    private readonly RngStream _rng;
    private readonly Queue<long> _waiting = new();
    private readonly List<(long At, int Kind, long Message)> _log = [];
    private long _originated;
    private bool _busy;
    private ulong _work;

    internal ExchangeNode(Simulator sim, int entity, ExchangeParameters p, ExchangeNode[] nodes, RngStreams streams)
    {
        _sim = sim;
        Entity = entity;
        _p = p;
        _nodes = nodes;
        _rng = streams.Create($"node{entity}");
    }

    public int Entity { get; }

    /// <summary>Hops this node sent to another node (all of them cross a link).</summary>
    public long SentAcross { get; private set; }

    /// <summary>What this node did, in order: (time in ps, 0 originate / 1 arrive / 2 done, message).</summary>
    public IReadOnlyList<(long At, int Kind, long Message)> Log => _log;

    /// <summary>A value computed from <see cref="ExchangeParameters.WorkPerEvent"/>, so the work cannot be optimised away.</summary>
    public ulong WorkDone => _work;

    internal SimTime FirstOrigination() => WholeNanoseconds(-Math.Log(1 - _rng.NextDouble()) * _p.Interarrival.Picoseconds);

    internal void Start(Action<int, SimTime, IEventHandler, int> scheduleOn) => scheduleOn(Entity, FirstOrigination(), this, Originate);

    void IEventHandler.OnEvent(int kind, long arg)
    {
        Work();
        long now = _sim.Now.Picoseconds;
        if (_p.Record)
        {
            _log.Add((now, kind, arg));
        }
        switch (kind)
        {
            case Originate:
                // message = (origin node << 40) | (number << 8) | hops left
                long message = ((long)Entity << 40) | (++_originated << 8) | (uint)_p.Hops;
                Accept(message);
                _sim.Schedule(_sim.Now + WholeNanoseconds(-Math.Log(1 - _rng.NextDouble()) * _p.Interarrival.Picoseconds), this, Originate);
                break;
            case Arrive:
                Accept(arg);
                break;
            default:
                Forward(arg);
                _busy = false;
                if (_waiting.Count > 0)
                {
                    Serve(_waiting.Dequeue());
                }

                break;
        }
    }

    private void Accept(long message)
    {
        if (_busy)
        {
            _waiting.Enqueue(message);
            return;
        }

        Serve(message);
    }

    private void Serve(long message)
    {
        _busy = true;
        _sim.ScheduleAfter(SimTime.FromNanoseconds(_rng.Next(1, 5)), this, Done, message);
    }

    private void Forward(long message)
    {
        if ((message & 0xFF) == 0)
        {
            return;
        }

        message--;
        if (_rng.NextDouble() < _p.LocalShare)
        {
            // A zero-delay hand-over to itself: the next event at this instant, one depth down.
            _sim.ScheduleAfter(SimTime.Zero, this, Arrive, message);
            return;
        }

        int to = _rng.Next(1, _nodes.Length - 1);
        if (to >= Entity)
        {
            to++;
        }

        SentAcross++;
        var delay = _p.Link + SimTime.FromNanoseconds(_rng.Next(0, 3));
        _sim.ScheduleOn(to, _sim.Now + delay, _nodes[to], Arrive, message);
    }

    private void Work()
    {
        ulong x = _work;
        for (int i = 0; i < _p.WorkPerEvent; i++)
        {
            x = (x ^ (x >> 31)) * 0x9E3779B97F4A7C15UL + 1;
        }

        _work = x;
    }

    private static SimTime WholeNanoseconds(double picoseconds) => SimTime.FromNanoseconds(1 + (long)(picoseconds / 1000));
}
