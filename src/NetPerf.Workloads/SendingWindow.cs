using NetPerf.Engine.Time;

namespace NetPerf.Workloads;

/// <summary>
/// When a workload sends, counted from the end of the warm-up (the measured window's clock): it starts at
/// <see cref="Start"/> (null: with the others, before the warm-up) and stops at <see cref="Stop"/> (null: never).
/// </summary>
public readonly record struct SendingWindow(SimTime? Start, SimTime? Stop)
{
    /// <summary>From before the warm-up to the end of the run.</summary>
    public static readonly SendingWindow Whole = new(null, null);
}
