using NetPerf.Engine.Time;

namespace NetPerf.Engine.Scheduling;

/// <summary>
/// The event loop: a clock and the pending events. Runs events in (time, insertion order) until a horizon, until
/// none are left, or until a handler calls <see cref="Stop"/>.
/// </summary>
public sealed class Simulator
{
    private readonly EventQueue _queue = new();
    private long _now;
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

    /// <summary>Schedules <paramref name="handler"/> at the absolute time <paramref name="at"/> (not before now).</summary>
    public EventHandle Schedule(SimTime at, IEventHandler handler, int kind = 0, long arg = 0)
    {
        if (at.Picoseconds < _now)
        {
            ThrowInThePast(at);
        }

        return _queue.Enqueue(at.Picoseconds, new Event(handler, kind, arg));
    }

    /// <summary>Schedules <paramref name="handler"/> <paramref name="delay"/> from now (not negative).</summary>
    public EventHandle ScheduleAfter(SimTime delay, IEventHandler handler, int kind = 0, long arg = 0)
    {
        if (delay.Picoseconds < 0)
        {
            ThrowNegativeDelay(delay);
        }

        return _queue.Enqueue(checked(_now + delay.Picoseconds), new Event(handler, kind, arg));
    }

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

        _queue.Clear();
        _now = 0;
        ExecutedEvents = 0;
        _eventsAtThisTime = 0;
    }

    /// <summary>Ends the current <see cref="Run"/> or <see cref="RunUntil"/> after the event being run.</summary>
    public void Stop() => _stopRequested = true;

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
            while (_queue.TryDequeue(until, out long time, out Event ev))
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
        }
    }

    private void ThrowStuck(Event ev) => throw new SimulationStuckException(Now, _eventsAtThisTime, ev.Handler.GetType().Name);

    private void ThrowCancelled() => throw new OperationCanceledException("stopped by Ctrl-C inside a simulation", _cancellation);

    private void ThrowInThePast(SimTime at) =>
        throw new ArgumentOutOfRangeException(nameof(at), at, $"an event cannot be scheduled in the past (now is {Now}).");

    private static void ThrowNegativeDelay(SimTime delay) =>
        throw new ArgumentOutOfRangeException(nameof(delay), delay, "a delay cannot be negative.");
}
