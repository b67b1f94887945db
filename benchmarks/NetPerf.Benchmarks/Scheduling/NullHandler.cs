using NetPerf.Engine.Scheduling;

namespace NetPerf.Benchmarks.Scheduling;

/// <summary>A handler for events that the benchmark loop takes out of a queue itself and never dispatches.</summary>
public sealed class NullHandler : IEventHandler
{
    public static readonly NullHandler Instance = new();

    public void OnEvent(int kind, long arg)
    {
    }
}
