using HdrHistogram;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Statistics;

/// <summary>
/// Latencies with percentiles to three significant digits (0.1%) in bounded memory, from 1 ns to one hour, on
/// HdrHistogram. Values above the range are counted at the top and reported in <see cref="Saturated"/>, never
/// lost and never thrown on in the middle of a run.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Resolution floor: 1 ns. Finer than any kernel stage's cost, coarse enough to keep the histogram small.</summary>
    public static readonly SimTime LowestDiscernible = SimTime.FromNanoseconds(1);

    public static readonly SimTime HighestTrackable = SimTime.FromSeconds(3600);

    private readonly LongHistogram _histogram = new(
        LowestDiscernible.Picoseconds, HighestTrackable.Picoseconds, numberOfSignificantValueDigits: 3);

    public long Count => _histogram.TotalCount;

    /// <summary>Observations above <see cref="HighestTrackable"/>, recorded as that value.</summary>
    public long Saturated { get; private set; }

    public void Record(SimTime latency)
    {
        long ps = latency.Picoseconds;
        if (ps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(latency), latency, "a latency cannot be negative.");
        }

        if (ps > HighestTrackable.Picoseconds)
        {
            Saturated++;
            ps = HighestTrackable.Picoseconds;
        }

        _histogram.RecordValue(ps);
    }

    /// <summary>The latency at or below which <paramref name="percentile"/> percent of observations fall.</summary>
    public SimTime Percentile(double percentile)
    {
        if (!(percentile >= 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "a percentile is between 0 and 100 (e.g. 99.9).");
        }

        return Count == 0 ? SimTime.Zero : new SimTime(_histogram.GetValueAtPercentile(percentile));
    }

    public SimTime Mean => new((long)Math.Round(_histogram.GetMean()));
    public SimTime Max => new(_histogram.GetMaxValue());

    /// <summary>Adds another histogram's observations (replications, or several flows of one path).</summary>
    public void Add(LatencyHistogram other)
    {
        _histogram.Add(other._histogram);
        Saturated += other.Saturated;
    }

    public void Reset()
    {
        _histogram.Reset();
        Saturated = 0;
    }
}
