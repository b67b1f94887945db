using BenchmarkDotNet.Attributes;
using NetPerf.Engine.Time;
using NetPerf.Samples.Exchange;

namespace NetPerf.Benchmarks.Scheduling;

/// <summary>
/// One simulation on 1 and 2 threads: the <see cref="MessageExchange"/> traffic matrix (48 nodes in contiguous
/// blocks, 8 hops per message, 70% of hops to a uniformly chosen other node over a 2 us link, so with 2
/// partitions about 51% of node-to-node hops cross partitions; lookahead 2 us) for 400 us of simulated time,
/// each event doing about 200 ns of model work. <see cref="Sequential"/> is the plain <c>Simulator</c>; the
/// partitioned runs produce its results event for event (a test asserts the CSV identical).
/// </summary>
/// <remarks>Each invocation builds the model afresh (an iteration setup), then runs it: the time is the run's.</remarks>
[MemoryDiagnoser]
[Config(typeof(SchedulerBenchmarkConfig))]
public class PartitionedExchangeBenchmarks
{
    public static readonly ExchangeParameters Matrix = new(Nodes: 48, Hops: 8, LocalShare: 0.3, WorkPerEvent: 200, Seed: 20261202, Record: false);
    public static readonly SimTime Horizon = SimTime.FromMicroseconds(400);

    private MessageExchange _run = null!;

    [Params(0, 1, 2)]
    public int Threads { get; set; }

    [IterationSetup]
    public void Build() => _run = new MessageExchange(Matrix, Threads);

    /// <summary>Threads = 0 is the sequential engine; 1 and 2 the partitioned one.</summary>
    [Benchmark]
    public long RunMessageExchange()
    {
        _run.RunUntil(Horizon);
        return _run.ExecutedEvents;
    }
}
