using NetPerf.Engine.Time;

namespace NetPerf.Engine.Scheduling.Partitioning;

/// <summary>
/// One simulation run on several cores: conservative parallel discrete-event simulation in barrier-synchronised
/// time windows (YAWNS, Nicol 1993). Entities are split into partitions, each with its own
/// <see cref="Simulator"/> (its own queue and clock) on its own thread. An event for an entity of another
/// partition must be scheduled at least <see cref="Lookahead"/> after the event that sends it (in a network, the
/// smallest delay of a link between partitions). So if the earliest pending event anywhere is at T, nothing any
/// partition does before T + lookahead can reach another partition before T + lookahead: every partition runs
/// its events in [T, T + lookahead) at once, the partitions meet at a barrier, hand each other the events sent
/// (keyed by their senders), and the next window starts at the new earliest event.
/// </summary>
/// <remarks>
/// <para>
/// Results are those of the sequential <see cref="Simulator"/>, event for event: every event carries the key
/// the sequential engine would give it (time, depth, scheduling entity, that entity's own sequence), which no
/// partitioning changes, and within a partition events run in key order. Events of different partitions never
/// share an instant's causality (they are a lookahead apart), so their interleaving cannot matter.
/// </para>
/// <para>
/// What the model must respect: a handler's state belongs to one entity and is touched only by events run as
/// that entity (anything shared is read-only while windows run, or partitioned); random draws come from streams
/// per entity; work crosses to another entity only by <see cref="Simulator.ScheduleOn"/> with at least the
/// lookahead (a shorter one throws, naming the event). Set-up events are scheduled through
/// <see cref="ScheduleOn"/> here (as the sequential engine's driver, entity 0, would key them); no event runs as
/// entity 0, and <see cref="Simulator.Stop"/> is refused: a partitioned run ends at its horizon.
/// </para>
/// <para>
/// Cost: two barriers per window, and the cross-partition events copied once. It pays when a window holds
/// much work per partition (lookahead long against the mean time between events); a model whose partitions
/// are joined by zero delay has no lookahead at all and must stay sequential (the constructor refuses it).
/// </para>
/// </remarks>
public sealed class PartitionedSimulation
{
    private readonly Simulator[] _partitions;
    private readonly int[] _partitionOf;     // entity -> partition; entity 0 (the driver) -> -1
    private readonly Outbox[] _outboxes;     // [from * partitions + to]
    private readonly long _lookahead;
    private readonly long[] _next;
    private readonly Exception?[] _failures;
    private long _driverSequence;
    private long _until;
    private long _windowEnd;
    private bool _done;
    private bool _afterDrain;
    private long _now;

    /// <param name="partitionOfEntity">For each entity 1 .. n (index 0, the driver, is ignored), its partition.</param>
    /// <param name="partitions">How many partitions (and threads): 1 or more.</param>
    /// <param name="lookahead">The smallest delay of any event sent to another partition: positive.</param>
    public PartitionedSimulation(IReadOnlyList<int> partitionOfEntity, int partitions, SimTime lookahead)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        if (lookahead.Picoseconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lookahead), lookahead,
                "partitions joined by zero delay have no lookahead: such a model runs sequentially (one partition needs none, so give 1 ps)");
        }

        _partitionOf = new int[partitionOfEntity.Count];
        _partitionOf[0] = -1;
        for (int e = 1; e < _partitionOf.Length; e++)
        {
            int p = partitionOfEntity[e];
            if ((uint)p >= (uint)partitions)
            {
                throw new ArgumentOutOfRangeException(nameof(partitionOfEntity), p, $"entity {e} is given partition {p}; partitions are 0 to {partitions - 1}.");
            }

            _partitionOf[e] = p;
        }

        _lookahead = lookahead.Picoseconds;
        _partitions = new Simulator[partitions];
        _outboxes = new Outbox[partitions * partitions];
        for (int p = 0; p < partitions; p++)
        {
            _partitions[p] = new Simulator();
            _partitions[p].JoinGroup(this, p);
        }

        for (int i = 0; i < _outboxes.Length; i++)
        {
            _outboxes[i] = new Outbox();
        }

        _next = new long[partitions];
        _failures = new Exception?[partitions];
    }

    public int Partitions => _partitions.Length;

    public SimTime Lookahead => new(_lookahead);

    public SimTime Now => new(_now);

    /// <summary>Windows run so far (each ends at a barrier).</summary>
    public long Windows { get; private set; }

    /// <summary>Events handed from one partition to another so far.</summary>
    public long CrossPartitionEvents { get; private set; }

    /// <summary>Events run so far, over all partitions.</summary>
    public long ExecutedEvents
    {
        get
        {
            long n = 0;
            foreach (var sim in _partitions)
            {
                n += sim.ExecutedEvents;
            }

            return n;
        }
    }

    /// <summary>Events scheduled and not yet run, over all partitions (events in transit between them included).</summary>
    public long PendingEvents
    {
        get
        {
            long n = 0;
            foreach (var sim in _partitions)
            {
                n += sim.PendingEvents;
            }

            foreach (var box in _outboxes)
            {
                n += box.Count;
            }

            return n;
        }
    }

    /// <summary>The simulator whose events run as <paramref name="entity"/>: what that entity's handlers schedule on.</summary>
    public Simulator SimulatorOf(int entity) => _partitions[PartitionOf(entity)];

    public Simulator Partition(int partition) => _partitions[partition];

    internal int PartitionOf(int entity)
    {
        if ((uint)entity >= (uint)_partitionOf.Length || entity == 0)
        {
            ThrowNoPartition(entity);
        }

        return _partitionOf[entity];
    }

    /// <summary>
    /// Schedules a set-up event (between runs) to run as <paramref name="entity"/>, keyed as the sequential
    /// engine keys what its driver schedules: entity 0 and the driver's own sequence.
    /// </summary>
    public void ScheduleOn(int entity, SimTime at, IEventHandler handler, int kind = 0, long arg = 0)
    {
        if (at.Picoseconds < _now)
        {
            throw new ArgumentOutOfRangeException(nameof(at), at, $"an event cannot be scheduled in the past (now is {Now}).");
        }

        var target = _partitions[PartitionOf(entity)];

        // The sequential engine's depth: one more than the last event run, if at its very time.
        (long lastTime, int lastDepth) = (-1, 0);
        foreach (var sim in _partitions)
        {
            var last = sim.LastEvent;
            if (last.Time > lastTime || (last.Time == lastTime && last.Depth > lastDepth))
            {
                (lastTime, lastDepth) = last;
            }
        }

        int depth = at.Picoseconds == lastTime ? lastDepth + 1 : 0;
        target.EnqueueKeyed(at.Picoseconds, depth, ++_driverSequence, new Event(handler, kind, arg, entity));
    }

    /// <summary>
    /// Runs every event at or before <paramref name="until"/> on all partitions, one thread each, then sets every
    /// clock to <paramref name="until"/>. An exception in a handler ends the run at the next barrier and is
    /// rethrown here (the lowest partition's, if several failed).
    /// </summary>
    public void RunUntil(SimTime until)
    {
        if (until.Picoseconds < _now)
        {
            throw new ArgumentOutOfRangeException(nameof(until), until, $"the clock is already at {Now}.");
        }

        _until = until.Picoseconds;
        _done = false;
        _afterDrain = true;
        Array.Clear(_failures);
        using (var barrier = new Barrier(_partitions.Length, _ => AtBarrier()))
        {
            var threads = new Thread[_partitions.Length - 1];
            for (int p = 1; p < _partitions.Length; p++)
            {
                int partition = p;
                threads[p - 1] = new Thread(() => Loop(partition, barrier)) { IsBackground = true, Name = $"partition {p}" };
                threads[p - 1].Start();
            }

            Loop(0, barrier);
            foreach (var t in threads)
            {
                t.Join();
            }
        }

        foreach (var failure in _failures)
        {
            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }

        foreach (var sim in _partitions)
        {
            sim.WindowEnd = long.MaxValue;
            sim.RunUntil(until); // nothing is left at or before the horizon: this only moves the clock
        }

        _now = _until;
    }

    internal void Send(int from, int to, in RemoteEvent e) => _outboxes[(from * _partitions.Length) + to].Add(e);

    /// <summary>One partition's thread: take the events sent to it, say when its next one is, run the window chosen.</summary>
    private void Loop(int p, Barrier barrier)
    {
        var sim = _partitions[p];
        while (true)
        {
            try
            {
                Drain(p);
                _next[p] = sim.TryPeekTime(out long t) ? t : long.MaxValue;
            }
            catch (Exception e)
            {
                _failures[p] = e;
                _next[p] = long.MaxValue;
            }

            barrier.SignalAndWait();
            if (_done)
            {
                return;
            }

            try
            {
                sim.WindowEnd = _windowEnd;
                sim.RunUntil(new SimTime(_windowEnd - 1));
            }
            catch (Exception e)
            {
                _failures[p] = e;
            }

            barrier.SignalAndWait();
        }
    }

    private void Drain(int to)
    {
        var sim = _partitions[to];
        long received = 0;
        for (int from = 0; from < _partitions.Length; from++)
        {
            var box = _outboxes[(from * _partitions.Length) + to];
            foreach (ref readonly var e in box.Items)
            {
                sim.EnqueueKeyed(e.Time, 0, e.Tie, e.Event);
            }

            received += box.Count;
            box.Clear();
        }

        Interlocked.Add(ref _crossPartition, received);
    }

    private long _crossPartition;

    /// <summary>Runs on one thread while all others wait: after the hand-over, choose the next window or end.</summary>
    private void AtBarrier()
    {
        bool afterDrain = _afterDrain;
        _afterDrain = !afterDrain;
        if (!afterDrain)
        {
            return;
        }

        CrossPartitionEvents = Interlocked.Read(ref _crossPartition);
        long earliest = long.MaxValue;
        bool failed = false;
        for (int p = 0; p < _next.Length; p++)
        {
            earliest = Math.Min(earliest, _next[p]);
            failed |= _failures[p] is not null;
        }

        if (failed || earliest > _until)
        {
            _done = true;
            return;
        }

        // The window [earliest, earliest + lookahead), cut at the horizon.
        _windowEnd = _until - earliest < _lookahead ? _until + 1 : earliest + _lookahead;
        Windows++;
    }

    private void ThrowNoPartition(int entity) =>
        throw new ArgumentOutOfRangeException(nameof(entity), entity,
            entity == 0
                ? "entity 0 is the driver: no event runs as it in a partitioned simulation"
                : $"entity {entity} has no partition (entities are 1 to {_partitionOf.Length - 1}).");
}
