using BenchmarkDotNet.Attributes;
using NetPerf.Engine.Scheduling;

namespace NetPerf.Benchmarks.Scheduling;

/// <summary>
/// The classic hold model (ns-3 <c>utils/bench-scheduler.cc</c>): <see cref="Pending"/> events are pending,
/// then 1,000,000 events are run, and each one run schedules one new event at its own time plus an exponential
/// delay (mean 100 ns). The engine's <see cref="EventQueue"/> against
/// <see cref="PriorityQueue{TElement,TPriority}"/> doing the same work on the same numbers, and a specialised
/// 4-ary heap (<see cref="QuaternaryHeap"/>), the contender it was chosen over. Both return the
/// time of the last event. <see cref="SequenceKeyedRadixHeap"/> is the engine's queue before ties were broken by
/// scheduling entity (keyed (time, global sequence)), run beside the current one keyed (time, depth, entity,
/// entity sequence) as <see cref="Simulator"/> keys it (<see cref="RadixHeapEntityTies"/>: 256 entities, each
/// event rescheduled by its own entity with that entity's next sequence).
/// </summary>
/// <remarks>
/// The hold model is stationary (the population never changes), so the queues are filled once and every
/// invocation continues the same run with the next 1,000,000 delays. No per-iteration setup: BenchmarkDotNet
/// can then pick several invocations per iteration and the JIT reaches its final tier before measurement.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(SchedulerBenchmarkConfig))]
public class HoldModelBenchmarks
{
    public const int EventsRun = 1_000_000;

    public const int Entities = 256;

    private readonly EventQueue _queue = new();
    private readonly EventQueue _entityQueue = new();
    private readonly SequenceKeyedEventQueue _sequenceKeyed = new();
    private readonly long[] _entitySequence = new long[Entities];
    private readonly PriorityQueue<Event, EventKey> _baseline = new();
    private readonly QuaternaryHeap _heap = new();
    private long[] _initial = [];
    private long[] _delays = [];
    private long _baselineSequence;

    [Params(1_000, 100_000, 1_000_000)]
    public int Pending { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _initial = HoldWorkload.DrawDelays(Pending, "hold/initial");
        _delays = HoldWorkload.DrawDelays(EventsRun, "hold/delays");
        FillQueue();
        FillBaseline();
        _sequenceKeyed.Clear();
        _entityQueue.Clear();
        for (int i = 0; i < _initial.Length; i++)
        {
            _sequenceKeyed.Enqueue(_initial[i], new Event(NullHandler.Instance, 0, 0));
            int entity = i % Entities;
            _entityQueue.Enqueue(_initial[i], 0, ((long)entity << Simulator.SequenceBits) | ++_entitySequence[entity],
                new Event(NullHandler.Instance, 0, 0, entity));
        }

        var ev = new Event(NullHandler.Instance, 0, 0);
        _heap.Clear();
        foreach (long t in _initial)
        {
            _heap.Enqueue(t, ev);
        }
    }

    private void FillQueue()
    {
        _queue.Clear();
        var ev = new Event(NullHandler.Instance, 0, 0);
        foreach (long t in _initial)
        {
            _queue.Enqueue(t, ev);
        }
    }

    private void FillBaseline()
    {
        _baseline.Clear();
        var ev = new Event(NullHandler.Instance, 0, 0);
        long seq = 0;
        foreach (long t in _initial)
        {
            _baseline.Enqueue(ev, new EventKey(t, ++seq));
        }

        _baselineSequence = seq;
    }

    [Benchmark(OperationsPerInvoke = EventsRun)]
    public long RadixHeapEventQueue()
    {
        EventQueue queue = _queue;
        long[] delays = _delays;
        long now = 0;
        for (int i = 0; i < delays.Length; i++)
        {
            queue.TryDequeue(long.MaxValue, out now, out Event ev);
            queue.Enqueue(now + delays[i], ev);
        }

        return now;
    }

    [Benchmark(OperationsPerInvoke = EventsRun)]
    public long RadixHeapEntityTies()
    {
        EventQueue queue = _entityQueue;
        long[] delays = _delays;
        long[] sequences = _entitySequence;
        long now = 0;
        for (int i = 0; i < delays.Length; i++)
        {
            queue.TryDequeue(long.MaxValue, out now, out int depth, out _, out Event ev);
            long at = now + delays[i];
            int entity = ev.Entity;
            queue.Enqueue(at, at == now ? depth + 1 : 0, ((long)entity << Simulator.SequenceBits) | ++sequences[entity], ev);
        }

        return now;
    }

    [Benchmark(OperationsPerInvoke = EventsRun)]
    public long SequenceKeyedRadixHeap()
    {
        SequenceKeyedEventQueue queue = _sequenceKeyed;
        long[] delays = _delays;
        long now = 0;
        for (int i = 0; i < delays.Length; i++)
        {
            queue.TryDequeue(long.MaxValue, out now, out Event ev);
            queue.Enqueue(now + delays[i], ev);
        }

        return now;
    }

    [Benchmark(OperationsPerInvoke = EventsRun)]
    public long QuaternaryHeapContender()
    {
        QuaternaryHeap queue = _heap;
        long[] delays = _delays;
        long now = 0;
        for (int i = 0; i < delays.Length; i++)
        {
            queue.TryDequeue(out now, out Event ev);
            queue.Enqueue(now + delays[i], ev);
        }

        return now;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = EventsRun)]
    public long PriorityQueueBaseline()
    {
        PriorityQueue<Event, EventKey> queue = _baseline;
        long[] delays = _delays;
        long seq = _baselineSequence;
        long now = 0;
        for (int i = 0; i < delays.Length; i++)
        {
            queue.TryDequeue(out Event ev, out EventKey key);
            now = key.Time;
            queue.Enqueue(ev, new EventKey(now + delays[i], ++seq));
        }

        _baselineSequence = seq;
        return now;
    }
}
