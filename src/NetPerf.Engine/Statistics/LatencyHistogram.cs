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

    /// <summary>
    /// The observations in HdrHistogram's compressed encoding (V2, deflated, base64: the form its log files carry),
    /// and <see cref="Saturated"/> beside it: everything percentiles and the mean are computed from, so a
    /// histogram read back with <see cref="Decode"/> answers every question exactly as this one does.
    /// </summary>
    public (string Encoded, long Saturated) Encode()
    {
        var buffer = HdrHistogram.Utilities.ByteBuffer.Allocate(_histogram.GetNeededByteBufferCapacity());
        int length = HistogramEncoding.EncodeIntoCompressedByteBuffer(_histogram, buffer);
        var bytes = new byte[length];
        buffer.Position = 0;
        for (int i = 0; i < length; i++)
        {
            bytes[i] = buffer.Get(); // the library's buffer exposes its bytes one at a time
        }

        return (Convert.ToBase64String(bytes), Saturated);
    }

    /// <summary>A histogram from <see cref="Encode"/>'s form.</summary>
    /// <exception cref="FormatException">The text is not an encoded histogram of this range.</exception>
    public static LatencyHistogram Decode(string encoded, long saturated)
    {
        HistogramBase decoded;
        try
        {
            var buffer = HdrHistogram.Utilities.ByteBuffer.Allocate(Convert.FromBase64String(encoded));
            decoded = HistogramEncoding.DecodeFromCompressedByteBuffer(buffer, 0);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FormatException($"not an HdrHistogram compressed encoding ({e.Message})", e);
        }

        if (decoded.LowestTrackableValue != LowestDiscernible.Picoseconds || decoded.HighestTrackableValue < HighestTrackable.Picoseconds
            || decoded.NumberOfSignificantValueDigits != 3 || saturated < 0 || saturated > decoded.TotalCount)
        {
            throw new FormatException("an encoded histogram of another range or precision than a latency histogram's (1 ns to one hour, 3 digits)");
        }

        var h = new LatencyHistogram { Saturated = saturated };
        h._histogram.Add(decoded);
        return h;
    }

    public void Reset()
    {
        _histogram.Reset();
        Saturated = 0;
    }
}
