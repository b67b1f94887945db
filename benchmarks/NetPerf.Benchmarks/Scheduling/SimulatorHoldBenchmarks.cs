using BenchmarkDotNet.Attributes;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;

namespace NetPerf.Benchmarks.Scheduling;

/// <summary>
/// The hold model through the whole event loop: <see cref="Simulator.Run"/> dispatches each event to its
/// handler, which schedules the next one. This is the rate a model sees, queue plus dispatch. As in
/// <see cref="HoldModelBenchmarks"/>, the population is filled once and each invocation runs the next
/// 1,000,000 events.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SchedulerBenchmarkConfig))]
public class SimulatorHoldBenchmarks
{
    public const int EventsRun = 1_000_000;

    private readonly Simulator _sim = new();
    private HoldHandler _handler = null!;

    [Params(100_000)]
    public int Pending { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _handler = new HoldHandler(_sim, HoldWorkload.DrawDelays(EventsRun, "hold/delays"));
        foreach (long t in HoldWorkload.DrawDelays(Pending, "hold/initial"))
        {
            _sim.Schedule(new SimTime(t), _handler);
        }
    }

    [Benchmark(OperationsPerInvoke = EventsRun)]
    public long SimulatorRun()
    {
        _handler.Budget = EventsRun;
        _sim.Run();
        return _sim.Now.Picoseconds;
    }

    private sealed class HoldHandler(Simulator sim, long[] delays) : IEventHandler
    {
        private int _next;

        public int Budget { get; set; }

        public void OnEvent(int kind, long arg)
        {
            sim.ScheduleAfter(new SimTime(delays[_next]), this);
            _next = _next + 1 == delays.Length ? 0 : _next + 1;
            if (--Budget == 0)
            {
                sim.Stop();
            }
        }
    }
}
