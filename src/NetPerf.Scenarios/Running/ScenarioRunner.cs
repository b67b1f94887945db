using NetPerf.Engine.Time;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// Runs a scenario: every variant x workload x path x replication is a simulation of its own on a freshly built
/// cluster, with the replication's seed (the same for every variant: common random numbers). Simulations run in
/// parallel; results come back in unit order whatever the parallelism, so output does not depend on it.
/// Cancelling stops starting new units; what finished is kept and the outcome is marked partial.
/// </summary>
public static class ScenarioRunner
{
    public static IReadOnlyList<RunUnit> Units(Scenario scenario, RunOptions options)
    {
        var variants = scenario.Variants().Where(v => options.Variants.Count == 0 || options.Variants.Contains(v.Name)).ToList();
        int replications = options.Quick ? 1 : scenario.Replications;
        var units = new List<RunUnit>();
        foreach (var v in variants)
        {
            foreach (var w in scenario.Workloads)
            {
                foreach (var p in w.Paths)
                {
                    for (int r = 0; r < replications; r++)
                    {
                        units.Add(new RunUnit(units.Count, v, w, p, r));
                    }
                }
            }
        }

        return units;
    }

    /// <summary>The seed of a replication: the scenario's for the first, then the next ones.</summary>
    public static ulong Seed(Scenario scenario, int replication) => scenario.Seed + (ulong)replication;

    /// <summary>The BGP experiments a run makes (none unless the scenario has a bgp block; all of them whatever --variant says).</summary>
    public static IReadOnlyList<BgpUnit> BgpUnits(Scenario scenario, RunOptions options) =>
        options.Variants.Count > 0 ? [] : BgpUnit.Of(scenario, options.Quick ? 1 : scenario.Replications);

    /// <summary>Simulations at once: the options' parallelism, fewer when that many would not fit in their memory limit by the estimate.</summary>
    public static int Threads(Scenario scenario, RunOptions options) => Estimation.ScenarioEstimate.Of(scenario).Concurrency(options.MaxMemory, Math.Max(1, options.Parallelism));

    public static RunOutcome Run(Scenario scenario, RunOptions options, IProgress<RunProgress>? progress = null, CancellationToken cancel = default)
    {
        var units = Units(scenario, options);
        var bgpUnits = BgpUnits(scenario, options);
        var results = new UnitResult?[units.Count];
        var bgpResults = new BgpUnitResult?[bgpUnits.Count];
        // A shard runs its share; the others' simulations are not started (their places stay empty).
        var shard = options.Shard;
        var mine = units.Where(u => shard?.Owns(u.Index) != false).ToList();
        var mineBgp = bgpUnits.Where(u => shard?.Owns(units.Count + u.Index) != false).ToList();
        // With together, one simulation per variant and replication runs every workload (a shard owns a group by its first unit).
        var groups = scenario.Together
            ? units.GroupBy(u => (u.Variant.Name, u.Replication)).Select(g => g.ToList()).Where(g => shard?.Owns(g[0].Index) != false).ToList()
            : [];
        int ownedUnits = scenario.Together ? groups.Sum(g => g.Count) : mine.Count;
        int total = (scenario.Together ? groups.Count : mine.Count) + mineBgp.Count;
        var warmUp = options.Quick ? SimTime.Min(scenario.WarmUp, RunOptions.QuickWarmUp) : scenario.WarmUp;
        var duration = options.Quick ? SimTime.Min(scenario.Duration, RunOptions.QuickDuration) : scenario.Duration;
        int done = 0;
        int threads = Threads(scenario, options);
        try
        {
            if (scenario.Together)
            {
                Parallel.ForEach(groups, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancel }, group =>
                {
                    var first = group[0];
                    var measured = group.FirstOrDefault(u => u.Workload.Route is null)?.Workload.Protocol ?? first.Workload.Protocol;
                    var build = new ClusterBuild(scenario, first.Variant, Seed(scenario, first.Replication), false, measured, group.Any(u => ClusterBuild.ReachesOutside(u.Workload, u.Path)));
                    var sim = build.Cluster.Bed.Sim;
                    foreach (var unit in group)
                    {
                        options.Live?.Started(unit, sim, sim.Now + warmUp + duration);
                    }

                    try
                    {
                        foreach (var result in PathRun.RunTogether(build, group, warmUp, duration, options.KeepSamples, cancel, scenario.Interval))
                        {
                            results[result.Unit.Index] = result;
                        }
                    }
                    finally
                    {
                        foreach (var unit in group)
                        {
                            options.Live?.Finished(unit);
                        }
                    }

                    progress?.Report(new RunProgress(Interlocked.Increment(ref done), total, $"{first.Variant.Name} together ({group.Count} workloads)"));
                });
            }
            else
            {
                Parallel.ForEach(mine, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancel }, unit =>
                {
                    var build = new ClusterBuild(scenario, unit.Variant, Seed(scenario, unit.Replication), unit.Path == CommunicationPath.LoadBalancer, unit.Workload.Protocol, ClusterBuild.ReachesOutside(unit.Workload, unit.Path));
                    var sim = build.Cluster.Bed.Sim;
                    options.Live?.Started(unit, sim, sim.Now + warmUp + duration);
                    try
                    {
                        results[unit.Index] = PathRun.Run(build, unit, warmUp, duration, options.KeepSamples, cancel, scenario.Interval);
                    }
                    finally
                    {
                        options.Live?.Finished(unit);
                    }

                    progress?.Report(new RunProgress(Interlocked.Increment(ref done), total, unit.Label));
                });
            }

            Parallel.ForEach(mineBgp, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancel }, unit =>
            {
                bgpResults[unit.Index] = new BgpUnitResult(unit, Kubernetes.Bgp.BgpConvergence.Run(unit.Experiment(scenario.Bgp!, Seed(scenario, unit.Replication))));
                progress?.Report(new RunProgress(Interlocked.Increment(ref done), total, unit.Label));
            });
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Stop starting units; keep what finished.
        }

        var finished = results.OfType<UnitResult>().ToList();
        var bgpFinished = bgpResults.OfType<BgpUnitResult>().ToList();
        return new RunOutcome(scenario, units, finished, Partial: finished.Count + bgpFinished.Count < ownedUnits + mineBgp.Count, warmUp, duration)
        {
            BgpUnits = bgpUnits,
            Bgp = bgpFinished,
        };
    }
}

/// <summary>How far a run is: units finished of all, and the one that just finished.</summary>
public readonly record struct RunProgress(int Done, int Total, string Finished);

/// <summary>A run's results in unit order; partial when it was stopped before every unit finished.</summary>
public sealed record RunOutcome(Scenario Scenario, IReadOnlyList<RunUnit> Units, IReadOnlyList<UnitResult> Results, bool Partial, SimTime WarmUp, SimTime Duration)
{
    public IReadOnlyList<BgpUnit> BgpUnits { get; init; } = [];
    public IReadOnlyList<BgpUnitResult> Bgp { get; init; } = [];
}
