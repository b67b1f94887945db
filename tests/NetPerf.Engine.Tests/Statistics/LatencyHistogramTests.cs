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
}
