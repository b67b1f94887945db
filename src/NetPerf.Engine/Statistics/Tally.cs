namespace NetPerf.Engine.Statistics;

/// <summary>
/// Count, mean, variance, minimum and maximum of a series of observations in O(1) memory (Welford's update,
/// which stays accurate where the naive sum of squares cancels catastrophically).
/// </summary>
public sealed class Tally
{
    private double _mean;
    private double _m2;

    public long Count { get; private set; }
    public double Mean => Count == 0 ? double.NaN : _mean;

    /// <summary>Sample variance (n - 1 denominator).</summary>
    public double Variance => Count < 2 ? double.NaN : _m2 / (Count - 1);

    public double StdDev => Math.Sqrt(Variance);
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public double Sum => _mean * Count;

    public void Add(double x)
    {
        Count++;
        double delta = x - _mean;
        _mean += delta / Count;
        _m2 += delta * (x - _mean);
        if (x < Min)
        {
            Min = x;
        }

        if (x > Max)
        {
            Max = x;
        }
    }

    public void Reset()
    {
        Count = 0;
        _mean = 0;
        _m2 = 0;
        Min = double.PositiveInfinity;
        Max = double.NegativeInfinity;
    }
}
