using NetPerf.Engine.Time;

namespace NetPerf.Engine.Scheduling;

/// <summary>
/// The event loop ran <see cref="Simulator.MaxEventsWithoutTimeAdvancing"/> events without simulated time moving:
/// a loop of events that cost nothing and wait nothing (every cost and delay 0 on a path), which would never end.
/// </summary>
public sealed class SimulationStuckException(SimTime at, long events, string handler)
    : Exception($"simulated time has not advanced from {at} for {events:N0} events (the last handled by {handler}): a loop of zero-cost, zero-delay events that would never end; give the path's stages a cost or its links a delay")
{
    /// <summary>Where the clock stopped.</summary>
    public SimTime At { get; } = at;

    /// <summary>The type of the handler of the last event run, to say where the loop is.</summary>
    public string Handler { get; } = handler;
}
