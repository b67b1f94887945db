using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Estimation;

/// <summary>
/// A scenario's estimate: each variant's (<see cref="ScaleEstimate"/>), how many simulations it makes, and what
/// running them at once needs. The one estimator validation's caps come from (memory, simulations) and
/// <c>validate</c> prints.
/// </summary>
public sealed record ScenarioEstimate(IReadOnlyList<ScaleEstimate> Variants, long Simulations, long SimulationsPerVariant)
{
    /// <summary>At most this many simulations in one file (each builds a cluster; 588 in one file took the machine).</summary>
    public const int MaxSimulations = 500;

    /// <summary>The variant whose simulation needs the most memory.</summary>
    public ScaleEstimate Largest => Variants.MaxBy(v => v.Bytes)!;

    /// <summary>Wall seconds for every simulation on one thread: build and simulate, for each.</summary>
    public double SerialSeconds => Variants.Sum(v => (v.BuildSeconds + v.SimulateSeconds) * SimulationsPerVariant);

    public static ScenarioEstimate Of(Scenario s)
    {
        var variants = s.Variants();
        long paths = s.Workloads.Sum(w => (long)w.Paths.Count);
        // Together, one simulation per variant and replication runs every workload and path (ScenarioRunner).
        long perVariant = s.Together ? s.Replications : paths * s.Replications;
        long simulations = (variants.Count * perVariant) + BgpUnit.Of(s, s.Replications).Count;
        return new ScenarioEstimate(s.Workloads.Count == 0 ? [] : [.. variants.Select(v => ScaleEstimate.Of(s, v))], simulations, perVariant);
    }

    /// <summary>The default limit on one simulation's memory: 80% of what this process may use (the machine's memory, or its container's limit).</summary>
    public static long DefaultMaxMemory => (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.8);

    /// <summary>How many simulations fit in <paramref name="maxMemory"/> at once, at most <paramref name="threads"/>.</summary>
    public int Concurrency(long maxMemory, int threads) => Variants.Count == 0 ? threads : (int)Math.Clamp(maxMemory / Math.Max(1, Largest.Bytes), 1, Math.Max(1, threads));
}
