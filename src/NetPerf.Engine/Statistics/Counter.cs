namespace NetPerf.Engine.Statistics;

/// <summary>A count of occurrences (packets dropped, retransmissions) that a warm-up can reset.</summary>
public sealed class Counter
{
    public long Value { get; private set; }

    public void Increment() => Value++;

    public void Add(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        Value = checked(Value + n);
    }

    public void Reset() => Value = 0;

    /// <summary>Occurrences per second of simulated time over <paramref name="seconds"/>.</summary>
    public double RatePerSecond(double seconds) => seconds > 0 ? Value / seconds : double.NaN;
}
