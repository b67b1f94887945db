using NetPerf.Engine.Random;

namespace NetPerf.Engine.Tests.Random;

public class EmpiricalDistributionTests
{
    [Fact]
    public void A_two_point_table_is_the_uniform_distribution()
    {
        var d = EmpiricalDistribution.FromCdf([10.0, 30.0], [0.0, 1.0], new RngStreams(1).Create("u"));
        Assert.Equal(20, d.Mean, 12);
        Assert.Equal(400.0 / 12, d.Variance, 9);   // (b - a)^2 / 12
        Assert.Equal(0, d.Skewness, 9);
        Assert.Equal(Math.Log(20), d.Entropy, 12); // log(b - a)
        Assert.Equal(0.25, d.CumulativeDistribution(15), 12);
        Assert.Equal(15, d.InverseCumulativeDistribution(0.25), 12);
        Assert.Equal(0.05, d.Density(11), 12);
    }

    [Fact]
    public void Observations_sit_at_probabilities_i_over_n_minus_one()
    {
        var d = EmpiricalDistribution.FromObservations([4.0, 1.0, 3.0, 2.0, 5.0], new RngStreams(1).Create("o"));
        Assert.Equal(0.0, d.CumulativeDistribution(1));
        Assert.Equal(0.5, d.CumulativeDistribution(3));
        Assert.Equal(0.625, d.CumulativeDistribution(3.5));
        Assert.Equal(1.0, d.CumulativeDistribution(5));
        Assert.Equal(3.0, d.Median);
    }

    [Fact]
    public void A_heavy_tailed_message_size_table_is_sampled_with_its_mean_and_quantiles()
    {
        // Sizes in bytes: half below 1 KB, 90% below 64 KB, the rest up to 1 MB.
        double[] sizes = [64, 1024, 65536, 1048576];
        double[] cdf = [0, 0.5, 0.9, 1];
        var d = EmpiricalDistribution.FromCdf(sizes, cdf, new RngStreams(5).Create("sizes"));
        double analyticMean = (0.5 * (64 + 1024) / 2) + (0.4 * (1024 + 65536) / 2) + (0.1 * (65536 + 1048576) / 2);
        Assert.Equal(analyticMean, d.Mean, 6);

        const int n = 400_000;
        var samples = new double[n];
        d.Samples(samples);
        Assert.InRange(samples.Average(), analyticMean * 0.98, analyticMean * 1.02);
        Assert.InRange(samples.Count(s => s <= 1024) / (double)n, 0.497, 0.503);
        Assert.InRange(samples.Count(s => s <= 65536) / (double)n, 0.898, 0.902);
        Assert.All(samples, s => Assert.InRange(s, 64, 1048576));
    }

    [Fact]
    public void A_table_that_decreases_or_does_not_span_zero_to_one_is_refused_with_the_reason()
    {
        var rng = new RngStreams(1).Create("x");
        Assert.Contains("decreases", Assert.Throws<ArgumentException>(() => EmpiricalDistribution.FromCdf([1.0, 3.0, 2.0], [0.0, 0.5, 1.0], rng)).Message);
        Assert.Contains("probability 0", Assert.Throws<ArgumentException>(() => EmpiricalDistribution.FromCdf([1.0, 2.0], [0.1, 1.0], rng)).Message);
        Assert.Throws<ArgumentException>(() => EmpiricalDistribution.FromObservations([1.0], rng));
    }
}
