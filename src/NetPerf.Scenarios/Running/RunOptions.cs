using NetPerf.Engine.Time;

namespace NetPerf.Scenarios.Running;

/// <summary>How to run a scenario (not what: that is the scenario's).</summary>
public sealed record RunOptions
{
    /// <summary>Shortens every run (a smoke test): 5 ms measured after 1 ms of warm-up, one replication.</summary>
    public bool Quick { get; init; }

    /// <summary>Keep every request's latency for samples.csv.</summary>
    public bool KeepSamples { get; init; }

    /// <summary>Simulations run at once (each is single-threaded); results do not depend on it.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The memory the simulations under way may hold together, by their estimate: fewer run at once when
    /// <see cref="Parallelism"/> of them would not fit (results do not depend on it).
    /// </summary>
    public long MaxMemory { get; init; } = Estimation.ScenarioEstimate.DefaultMaxMemory;

    /// <summary>Where the simulations under way can be watched from (a progress display), when given.</summary>
    public RunningSimulations? Live { get; init; }

    /// <summary>Only this shard's share of the simulations (<see cref="Sharding.ShardSpec"/>), when given.</summary>
    public Sharding.ShardSpec? Shard { get; init; }

    /// <summary>Only these variants (by name), when not empty.</summary>
    public IReadOnlyList<string> Variants { get; init; } = [];

    public static readonly SimTime QuickDuration = SimTime.FromMilliseconds(5);
    public static readonly SimTime QuickWarmUp = SimTime.FromMilliseconds(1);
}
