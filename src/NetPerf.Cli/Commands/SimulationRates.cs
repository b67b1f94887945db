using NetPerf.Scenarios.Running;

namespace NetPerf.Cli.Commands;

/// <summary>
/// Turns successive snapshots of the running simulations into what a progress display says of each: simulated
/// time reached of its end, events per wall second since the last snapshot, and how long it has been running.
/// </summary>
internal sealed class SimulationRates
{
    private readonly Dictionary<int, (DateTime First, DateTime Last, long Events)> _seen = [];

    public IReadOnlyList<SimulationRate> Update(IReadOnlyList<SimulationStatus> running, DateTime now)
    {
        var rates = new List<SimulationRate>();
        foreach (var s in running)
        {
            var (first, last, events) = _seen.TryGetValue(s.Unit, out var seen) ? seen : (now, now, 0L);
            double wall = (now - last).TotalSeconds;
            double perSecond = wall > 0 ? (s.Events - events) / wall : 0;
            _seen[s.Unit] = (first, now, s.Events);
            string rate = wall > 0 ? $", {perSecond:N0} events/s" : "";
            rates.Add(new SimulationRate(now - first, $"{s.Label}: {s.Now.TotalMilliseconds:0.0} of {s.End.TotalMilliseconds:0.0} ms simulated{rate}"));
        }

        foreach (int gone in _seen.Keys.Except(running.Select(r => r.Unit)).ToList())
        {
            _seen.Remove(gone);
        }

        return rates;
    }
}

/// <summary>A running simulation as the progress display shows it, and how long it has been watched.</summary>
internal readonly record struct SimulationRate(TimeSpan Running, string Text);
