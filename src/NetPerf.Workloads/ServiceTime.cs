using MathNet.Numerics.Distributions;
using NetPerf.Engine.Time;

namespace NetPerf.Workloads;

/// <summary>A server application's work per request on its core: none, fixed, or drawn from a distribution in microseconds.</summary>
public sealed class ServiceTime
{
    private readonly SimTime _fixed;
    private readonly IContinuousDistribution? _microseconds;

    private ServiceTime(SimTime fixedTime, IContinuousDistribution? microseconds)
    {
        _fixed = fixedTime;
        _microseconds = microseconds;
    }

    public static readonly ServiceTime None = new(SimTime.Zero, null);

    public static ServiceTime Fixed(SimTime time) => new(time, null);

    /// <summary>Service times in microseconds from <paramref name="microseconds"/> (e.g. Exponential(1/mean)).</summary>
    public static ServiceTime From(IContinuousDistribution microseconds) => new(SimTime.Zero, microseconds);

    public SimTime Next() => _microseconds is null ? _fixed : SimTime.FromMicroseconds(Math.Max(0, _microseconds.Sample()));
}
