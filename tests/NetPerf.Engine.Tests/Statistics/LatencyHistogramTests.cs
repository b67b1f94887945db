using NetPerf.Engine.Statistics;
using NetPerf.Engine.Time;

namespace NetPerf.Engine.Tests.Statistics;

public class LatencyHistogramTests
{
    [Theory]
    [InlineData(50.0)]
    [InlineData(90.0)]
    [InlineData(99.0)]
    [InlineData(99.9)]
    [InlineData(99.99)]
    public void Percentiles_are_within_a_tenth_of_a_percent_of_the_exact_order_statistic(double p)
    {
        // 1,000,000 latencies 1 ns, 2 ns, ... 1 ms: the exact p-th percentile is p x 10,000 ns.
        var h = new LatencyHistogram();
        for (long ns = 1; ns <= 1_000_000; ns++)
        {
            h.Record(SimTime.FromNanoseconds(ns));
        }

        double exact = p * 10_000;
        Assert.InRange(h.Percentile(p).TotalNanoseconds, exact * 0.999, exact * 1.001);
        Assert.Equal(1_000_000, h.Count);
    }

    [Fact]
    public void Latencies_beyond_an_hour_are_counted_as_saturated_not_lost()
    {
        var h = new LatencyHistogram();
        h.Record(SimTime.FromSeconds(7200));
        Assert.Equal(1, h.Count);
        Assert.Equal(1, h.Saturated);
    }

    [Fact]
    public void Histograms_of_two_flows_add_up()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(SimTime.FromMicroseconds(10));
        b.Record(SimTime.FromMicroseconds(30));
        a.Add(b);
        Assert.Equal(2, a.Count);
        Assert.InRange(a.Mean.TotalMicroseconds, 19.98, 20.02);
    }

    [Fact]
    public void A_histogram_read_back_from_its_encoding_answers_every_percentile_and_the_mean_as_the_original()
    {
        // Log-normal-ish latencies over five decades (10 ns to 1 s), plus one saturated beyond the hour: what a
        // shard writes and a merge reads must pool exactly as the histogram that was measured.
        var original = new LatencyHistogram();
        var random = new System.Random(14);
        for (int i = 0; i < 20_000; i++)
        {
            original.Record(new SimTime((long)(10_000 * Math.Pow(10, random.NextDouble() * 8))));
        }

        original.Record(SimTime.FromSeconds(7200));
        var (encoded, saturated) = original.Encode();
        var read = LatencyHistogram.Decode(encoded, saturated);

        Assert.Equal(original.Count, read.Count);
        Assert.Equal(1, read.Saturated);
        Assert.Equal(original.Mean, read.Mean);
        Assert.Equal(original.Max, read.Max);
        for (double p = 0; p <= 100; p += 0.5)
        {
            Assert.Equal(original.Percentile(p), read.Percentile(p));
        }

        Assert.Equal(original.Percentile(99.99), read.Percentile(99.99));
        Assert.True(encoded.Length < 20_000, $"the compressed encoding is {encoded.Length} characters"); // compressed, not the whole counts array
    }

    [Fact]
    public void Text_that_is_no_encoded_histogram_is_refused_as_a_format_error()
    {
        Assert.Throws<FormatException>(() => LatencyHistogram.Decode("not base64!", 0));
        Assert.Throws<FormatException>(() => LatencyHistogram.Decode(Convert.ToBase64String([1, 2, 3, 4, 5, 6, 7, 8]), 0));
    }
}
