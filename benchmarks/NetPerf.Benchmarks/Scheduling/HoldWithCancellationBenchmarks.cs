using BenchmarkDotNet.Attributes;
using NetPerf.Engine.Scheduling;

namespace NetPerf.Benchmarks.Scheduling;

/// <summary>
/// The hold model with half of all scheduled events cancelled, as timers are: each event run schedules its
/// successor and also a timeout 1 ms later (far beyond the 100 ns delays, like a retransmission timer), and
/// cancels the timeout that was scheduled <see cref="TimeoutLifetime"/> events earlier, so cancelled entries
/// pile up unless the queue discards them. The baseline cancels as one can with
/// <see cref="PriorityQueue{TElement,TPriority}"/>: a flag per sequence number, checked when an entry surfaces
/// (its O(n) <c>Remove</c> would be slower still), and grows by the cancelled timeouts it cannot discard.
/// Timeouts never fire in either. Each invocation runs 1,000,000 events from a freshly filled queue.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SchedulerBenchmarkConfig))]
public class HoldWithCancellationBenchmarks
{
    public const int EventsRun = 1_000_000;
    public const int TimeoutLifetime = 64;
    public const long TimeoutPicoseconds = 1_000_000_000; // 1 ms

    private readonly EventQueue _queue = new();
    private readonly PriorityQueue<Event, EventKey> _baseline = new();
    private readonly EventHandle[] _timeouts = new EventHandle[TimeoutLifetime];
    private readonly long[] _baselineTimeouts = new long[TimeoutLifetime];
    private bool[] _cancelled = [];
    private long[] _initial = [];
    private long[] _delays = [];

    [Params(100_000)]
    public int Pending { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _initial = HoldWorkload.DrawDelays(Pending, "hold/initial");
        _delays = HoldWorkload.DrawDelays(EventsRun, "hold/delays");
        _cancelled = new bool[Pending + (2 * EventsRun) + 1];
    }

    [IterationSetup(Target = nameof(RadixHeapEventQueue))]
    public void FillQueue()
    {
        _queue.Clear();
        Array.Clear(_timeouts);
        var ev = new Event(NullHandler.Instance, 0, 0);
        foreach (long t in _initial)
        {
            _queue.Enqueue(t, ev);
        }
    }

    [IterationSetup(Target = nameof(PriorityQueueBaseline))]
    public void FillBaseline()
    {
        _baseline.Clear();
        Array.Clear(_baselineTimeouts);
        Array.Clear(_cancelled);
        var ev = new Event(NullHandler.Instance, 0, 0);
        long seq = 0;
        foreach (long t in _initial)
        {
            _baseline.Enqueue(ev, new EventKey(t, ++seq));
        }
    }

    [Benchmark(OperationsPerInvoke = EventsRun)]
    public long RadixHeapEventQueue()
    {
        EventQueue queue = _queue;
        EventHandle[] timeouts = _timeouts;
        long[] delays = _delays;
        long now = 0;
        for (int i = 0; i < delays.Length; i++)
        {
            queue.TryDequeue(long.MaxValue, out now, out Event ev);
            queue.Enqueue(now + delays[i], ev);
            int k = i % TimeoutLifetime;
            queue.Cancel(timeouts[k]);
            timeouts[k] = queue.Enqueue(now + TimeoutPicoseconds, ev);
        }

        return now;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsRun)]
    public long PriorityQueueBaseline()
    {
        PriorityQueue<Event, EventKey> queue = _baseline;
        bool[] cancelled = _cancelled;
        long[] timeouts = _baselineTimeouts;
        long[] delays = _delays;
        long seq = _initial.Length;
        long now = 0;
        for (int i = 0; i < delays.Length; i++)
        {
            Event ev;
            EventKey key;
            do
            {
                queue.TryDequeue(out ev, out key);
            }
            while (cancelled[key.Sequence]);

            now = key.Time;
            queue.Enqueue(ev, new EventKey(now + delays[i], ++seq));
            int k = i % TimeoutLifetime;
            cancelled[timeouts[k]] = true;
            timeouts[k] = ++seq;
            queue.Enqueue(ev, new EventKey(now + TimeoutPicoseconds, seq));
        }

        return now;
    }
}
