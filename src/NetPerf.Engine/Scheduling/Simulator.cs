using NetPerf.Engine.Scheduling.Partitioning;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Scheduling;

/// <summary>
/// The event loop: a clock and the pending events. Runs events in (time, depth, scheduling entity, that entity's
/// own sequence) until a horizon, until none are left, or until a handler calls <see cref="Stop"/>.
/// </summary>
/// <remarks>
/// <para>
/// Why this order and not a global insertion sequence: a global counter numbers events in the order the one
/// event loop happened to create them, which a simulation split over several event loops (partitions run on
/// several cores) cannot reproduce. Each event instead runs as an <em>entity</em>, a unit of model state named
/// by a small integer given deterministically at build time (in NetPerf a host: a node, a switch, a load
/// balancer; 0 is the driver: set-up and cluster-wide controllers). An event scheduled while an event of entity
/// E runs is keyed by E and E's own counter. E's events run in the same order whatever partition E is in, so
/// its counter numbers the same events the same way, and the order is one for every partitioning.
/// </para>
/// <para>
/// Depth keeps the order causal at one instant: an event scheduled at the very time of the event being run
/// gets that event's depth plus one (else 0), so it runs after everything already due then (as FIFO would), and
/// every key inserted is larger than the one just removed (what the radix queue needs). Among events of equal
/// time and depth, the lower entity runs first, then the entity's earlier-scheduled event.
/// </para>
/// <para>
/// An event runs on the entity of the event that scheduled it unless <see cref="ScheduleOn"/> names another
/// (a link delivering a frame to the far host).
/// </para>
/// </remarks>
public sealed class Simulator
{
    /// <summary>Bits of a tie that hold the entity's own sequence (2^40: a trillion events per entity).</summary>
    public const int SequenceBits = 40;

    /// <summary>Entities are 0 .. MaxEntity: what fits above the sequence in a positive 64-bit tie.</summary>
    public const int MaxEntity = (1 << (63 - SequenceBits)) - 1;

    private readonly EventQueue _queue = new();
    private long[] _entitySequence = new long[16];
    private int _entity;          // the entity of the event being run; 0 (the driver) outside a run
    private int _depth;           // the depth of the event being (or last) run
    private long _eventTime = -1; // the time of the event being (or last) run
    private long _now;

    // Set when this simulator is one partition of a PartitionedSimulation: events for entities of other
    // partitions go to them through the group, and must land at or after the current window's end.
    private PartitionedSimulation? _group;
    private int _partition;
    private long _windowEnd = long.MaxValue;

    private bool _running;
    private bool _stopRequested;
    private long _eventsAtThisTime;
    private CancellationToken _cancellation;

    /// <summary>
    /// Events run at one instant before the loop is declared stuck. A real burst at one instant (every pod's
    /// timers firing together, a TSO burst's frames) is thousands; ten million is a loop that would never end.
    /// </summary>
    public const long MaxEventsWithoutTimeAdvancing = 10_000_000;

    /// <summary>How often (in events, a power of two) the loop looks at <see cref="Cancellation"/>: often enough for Ctrl-C to stop a run at once, rare enough to cost nothing.</summary>
    public const long CancellationPollInterval = 65_536;

    public SimTime Now => new(_now);

    /// <summary>Polled inside the event loop, so that Ctrl-C stops even a simulation that would never end on its own.</summary>
    public CancellationToken Cancellation
    {
        get => _cancellation;
        set => _cancellation = value;
    }

    /// <summary>Events the loop may run at one instant before it throws <see cref="SimulationStuckException"/> (tests lower it).</summary>
    public long StuckLimit { get; set; } = MaxEventsWithoutTimeAdvancing;

    /// <summary>Events run so far.</summary>
    public long ExecutedEvents { get; private set; }

    /// <summary>Events scheduled and neither run nor cancelled.</summary>
    public int PendingEvents => _queue.Count;

    /// <summary>The queue itself, for diagnostics (stored entries, compactions).</summary>
    public EventQueue Queue => _queue;

    /// <summary>The entity of the event being run (0, the driver, outside a run, unless <see cref="ActAs"/> said otherwise).</summary>
    public int Entity => _entity;

    /// <summary>
    /// Outside a run, makes what the driver schedules next run as <paramref name="entity"/> (and be numbered by
    /// its sequence): a workload's set-up (its connect(), its first send) belongs to its client host. The next
    /// run puts the driver back to 0 when it ends.
    /// </summary>
    public void ActAs(int entity)
    {
        if (_running)
        {
            throw new InvalidOperationException("ActAs is for set-up between runs; inside an event, ScheduleOn names the entity.");
        }

        if ((uint)entity > MaxEntity)
        {
            ThrowBadEntity(entity);
        }

        _entity = entity;
    }

    /// <summary>Schedules <paramref name="handler"/> at the absolute time <paramref name="at"/> (not before now), on the current entity.</summary>
    public EventHandle Schedule(SimTime at, IEventHandler handler, int kind = 0, long arg = 0)
    {
        if (at.Picoseconds < _now)
        {
            ThrowInThePast(at);
        }

        return Enqueue(at.Picoseconds, new Event(handler, kind, arg, _entity));
    }

    /// <summary>Schedules <paramref name="handler"/> <paramref name="delay"/> from now (not negative), on the current entity.</summary>
    public EventHandle ScheduleAfter(SimTime delay, IEventHandler handler, int kind = 0, long arg = 0)
    {
        if (delay.Picoseconds < 0)
        {
            ThrowNegativeDelay(delay);
        }

        return Enqueue(checked(_now + delay.Picoseconds), new Event(handler, kind, arg, _entity));
    }

    /// <summary>
    /// Schedules <paramref name="handler"/> at <paramref name="at"/> (not before now) to run as
    /// <paramref name="entity"/>: where work crosses from one entity's state to another's (a frame reaching the
    /// far end of a link, a workload started on a host at set-up).
    /// </summary>
    public EventHandle ScheduleOn(int entity, SimTime at, IEventHandler handler, int kind = 0, long arg = 0)
    {
        if (at.Picoseconds < _now)
        {
            ThrowInThePast(at);
        }

        if ((uint)entity > MaxEntity)
        {
            ThrowBadEntity(entity);
        }

        if (_group is not null)
        {
            int to = _group.PartitionOf(entity);
            if (to != _partition)
            {
                // Another partition's entity: a cross-partition event, handed over at the next barrier. It cannot
                // be cancelled from here (its handle is None).
                SendAcross(to, at.Picoseconds, new Event(handler, kind, arg, entity));
                return default;
            }
        }

        return Enqueue(at.Picoseconds, new Event(handler, kind, arg, entity));
    }

    /// <summary>Keys the event (time, depth, current entity, its next sequence): see the class remarks.</summary>
    private EventHandle Enqueue(long at, in Event ev)
    {
        long tie = NextTie();
        int depth = at == _eventTime ? _depth + 1 : 0;
        return _queue.Enqueue(at, depth, tie, ev);
    }

    /// <summary>The current entity and its next sequence number, as one tie.</summary>
    private long NextTie()
    {
        int entity = _entity;
        if (entity == 0 && _group is not null)
        {
            ThrowDriverInPartition();
        }

        long[] sequences = _entitySequence;
        if ((uint)entity >= (uint)sequences.Length)
        {
            sequences = GrowSequences(entity);
        }

        long seq = ++sequences[entity];
        if (seq >> SequenceBits != 0)
        {
            ThrowSequenceExhausted(entity);
        }

        return ((long)entity << SequenceBits) | seq;
    }

    private void SendAcross(int partition, long at, in Event ev)
    {
        long tie = NextTie();
        if (at < _windowEnd)
        {
            ThrowInsideWindow(ev.Entity, at);
        }

        _group!.Send(_partition, partition, new RemoteEvent(at, tie, ev));
    }

    internal void JoinGroup(PartitionedSimulation group, int partition)
    {
        _group = group;
        _partition = partition;
    }

    /// <summary>The exclusive end of the window being run: no cross-partition event may land before it.</summary>
    internal long WindowEnd
    {
        set => _windowEnd = value;
    }

    /// <summary>The (time, depth) of the event last run, or (-1, 0): where the sequential engine's driver would key from.</summary>
    internal (long Time, int Depth) LastEvent => (_eventTime, _depth);

    /// <summary>Adds an event keyed elsewhere (by its sending partition, or by the group's driver).</summary>
    internal void EnqueueKeyed(long at, int depth, long tie, in Event ev) => _queue.Enqueue(at, depth, tie, ev);

    internal bool TryPeekTime(out long time) => _queue.TryPeekTime(out time);

    /// <summary>Cancels a pending event; false if it already ran or was cancelled.</summary>
    public bool Cancel(EventHandle handle) => _queue.Cancel(handle);

    public bool IsPending(EventHandle handle) => _queue.IsPending(handle);

    /// <summary>Runs until no events are left or <see cref="Stop"/> is called. The clock stays at the last event.</summary>
    public void Run() => RunCore(long.MaxValue);

    /// <summary>
    /// Runs every event at or before <paramref name="until"/>, then sets the clock to <paramref name="until"/>
    /// (unless stopped early), so that time-weighted statistics can be closed at exactly the horizon.
    /// </summary>
    public void RunUntil(SimTime until)
    {
        if (until.Picoseconds < _now)
        {
            throw new ArgumentOutOfRangeException(nameof(until), until, $"the clock is already at {Now}.");
        }

        if (RunCore(until.Picoseconds))
        {
            _now = until.Picoseconds;
        }
    }

    /// <summary>
    /// Drops every pending event and sets the clock back to zero, keeping the memory the queue has grown: the
    /// next replication or benchmark iteration then allocates nothing.
    /// </summary>
    public void Reset()
    {
        if (_running)
        {
            throw new InvalidOperationException("The simulator cannot be reset from inside an event.");
        }

        // Entity sequences keep counting: a handle taken before the reset can never name a later event, and
        // since ties are only compared within one entity, the order is the same as a fresh simulator's.
        _queue.Clear();
        _now = 0;
        _eventTime = -1;
        _depth = 0;
        ExecutedEvents = 0;
        _eventsAtThisTime = 0;
    }

    /// <summary>Ends the current <see cref="Run"/> or <see cref="RunUntil"/> after the event being run.</summary>
    public void Stop()
    {
        if (_group is not null)
        {
            // One partition stopping early would leave the others' windows without it: a partitioned run ends at a horizon.
            throw new InvalidOperationException("Stop is not available in a partitioned simulation: it runs to the horizon given to PartitionedSimulation.RunUntil.");
        }

        _stopRequested = true;
    }

    /// <returns>True if the run reached its horizon (or emptied the queue) rather than being stopped.</returns>
    private bool RunCore(long until)
    {
        if (_running)
        {
            throw new InvalidOperationException("The simulator is already running: Run/RunUntil cannot be nested inside an event.");
        }

        _running = true;
        _stopRequested = false;
        try
        {
            long stuckLimit = StuckLimit;
            while (_queue.TryDequeue(until, out long time, out int depth, out _, out Event ev))
            {
                // The watchdog and the cancellation poll: two compares an event, no allocation.
                if (time != _now)
                {
                    _now = time;
                    _eventsAtThisTime = 0;
                }
                else if (++_eventsAtThisTime >= stuckLimit)
                {
                    ThrowStuck(ev);
                }

                ExecutedEvents++;
                if ((ExecutedEvents & (CancellationPollInterval - 1)) == 0 && _cancellation.IsCancellationRequested)
                {
                    ThrowCancelled();
                }

                _eventTime = time;
                _depth = depth;
                _entity = ev.Entity;
                ev.Handler.OnEvent(ev.Kind, ev.Arg);
                if (_stopRequested)
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            _running = false;
            _entity = 0;
        }
    }

    private void ThrowStuck(Event ev) => throw new SimulationStuckException(Now, _eventsAtThisTime, ev.Handler.GetType().Name);

    private void ThrowCancelled() => throw new OperationCanceledException("stopped by Ctrl-C inside a simulation", _cancellation);

    private void ThrowInThePast(SimTime at) =>
        throw new ArgumentOutOfRangeException(nameof(at), at, $"an event cannot be scheduled in the past (now is {Now}).");

    private long[] GrowSequences(int entity)
    {
        if ((uint)entity > MaxEntity)
        {
            ThrowBadEntity(entity);
        }

        Array.Resize(ref _entitySequence, (int)Math.Min(MaxEntity + 1L, Math.Max(entity + 1L, _entitySequence.Length * 2L)));
        return _entitySequence;
    }

    private void ThrowInsideWindow(int entity, long at) =>
        throw new InvalidOperationException(
            $"an event for entity {entity} in another partition at {new SimTime(at)} lands before the window's end " +
            $"({new SimTime(_windowEnd)}): a delay between partitions shorter than the lookahead ({_group!.Lookahead}); " +
            "the partitions or the lookahead are wrong for this model");

    private static void ThrowDriverInPartition() =>
        throw new InvalidOperationException(
            "in a partitioned simulation events run on entities 1 and up; set-up is scheduled through " +
            "PartitionedSimulation.ScheduleOn, and entity 0 (the driver) runs no events");

    private static void ThrowBadEntity(int entity) =>
        throw new ArgumentOutOfRangeException(nameof(entity), entity, $"entities are 0 to {MaxEntity}.");

    private static void ThrowSequenceExhausted(int entity) =>
        throw new InvalidOperationException($"entity {entity} has scheduled 2^{SequenceBits} events: its tie sequence is exhausted.");

    private static void ThrowNegativeDelay(SimTime delay) =>
        throw new ArgumentOutOfRangeException(nameof(delay), delay, "a delay cannot be negative.");
}
