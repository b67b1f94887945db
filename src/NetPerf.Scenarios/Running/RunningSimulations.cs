using System.Collections.Concurrent;
using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// The simulations under way, for a progress display: each one's simulated time, where it ends, and its events
/// so far. Read from another thread while they run; a reading is only ever a moment's view (the simulators'
/// clocks are not synchronised with the reader), which is all progress needs. Results do not depend on it.
/// </summary>
public sealed class RunningSimulations
{
    private readonly ConcurrentDictionary<int, (string Label, Simulator Sim, SimTime End)> _running = new();

    internal void Started(RunUnit unit, Simulator sim, SimTime end) => _running[unit.Index] = (unit.Label, sim, end);

    internal void Finished(RunUnit unit) => _running.TryRemove(unit.Index, out _);

    /// <summary>The simulations running now, in unit order.</summary>
    public IReadOnlyList<SimulationStatus> Snapshot() =>
        [.. _running.OrderBy(kv => kv.Key).Select(kv => new SimulationStatus(kv.Key, kv.Value.Label, kv.Value.Sim.Now, kv.Value.End, kv.Value.Sim.ExecutedEvents))];
}

/// <summary>One running simulation at a moment: simulated time now and at its end, events executed.</summary>
public readonly record struct SimulationStatus(int Unit, string Label, SimTime Now, SimTime End, long Events);
