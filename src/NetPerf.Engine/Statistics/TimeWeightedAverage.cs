using NetPerf.Engine.Time;

namespace NetPerf.Engine.Statistics;

/// <summary>
/// The time average of a piecewise-constant quantity: queue length, busy cores, customers in the system.
/// Each change closes the interval during which the previous value held, so the average is the exact integral
/// divided by the observed time, not a mean of samples.
/// </summary>
public sealed class TimeWeightedAverage
{
    private long _start;
    private long _last;
    private double _area; // value x picoseconds

    public TimeWeightedAverage(SimTime start, double initialValue = 0)
    {
        _start = _last = start.Picoseconds;
        Current = initialValue;
        Max = initialValue;
    }

    public double Current { get; private set; }
    public double Max { get; private set; }

    /// <summary>The value changes to <paramref name="value"/> at <paramref name="now"/>.</summary>
    public void Update(SimTime now, double value)
    {
        Advance(now);
        Current = value;
        if (value > Max)
        {
            Max = value;
        }
    }

    /// <summary>Adds <paramref name="delta"/> to the current value at <paramref name="now"/>.</summary>
    public void Add(SimTime now, double delta) => Update(now, Current + delta);

    /// <summary>The average from the start (or last reset) to <paramref name="now"/>.</summary>
    public double Average(SimTime now)
    {
        long span = now.Picoseconds - _start;
        if (span < 0 || now.Picoseconds < _last)
        {
            throw new ArgumentOutOfRangeException(nameof(now), now, "the average is asked for before the last update.");
        }

        if (span == 0)
        {
            return Current;
        }

        double area = _area + (Current * (now.Picoseconds - _last));
        return area / span;
    }

    /// <summary>Forgets the history before <paramref name="now"/> (end of warm-up), keeping the current value.</summary>
    public void Reset(SimTime now)
    {
        Advance(now); // refuses a time before the last update
        _start = _last = now.Picoseconds;
        _area = 0;
        Max = Current;
    }

    private void Advance(SimTime now)
    {
        long t = now.Picoseconds;
        if (t < _last)
        {
            throw new ArgumentOutOfRangeException(nameof(now), now, "time went backwards for a time-weighted average.");
        }

        _area += Current * (t - _last);
        _last = t;
    }
}
