using MathNet.Numerics.Distributions;
using NetPerf.Engine.Random;

namespace NetPerf.Engine.Tests.Random;

/// <summary>MathNet.Numerics distributions driven by a named stream: the moments theory gives, and reproducible.</summary>
public class DistributionsOnStreamsTests
{
    private const int N = 1_000_000;

    [Fact]
    public void Pareto_samples_have_mean_alpha_xm_over_alpha_minus_one()
    {
        // Shape 3 (finite variance), scale 1 KB: mean 1.5 KB, median xm 2^(1/alpha) = 1.26 KB.
        var pareto = new Pareto(scale: 1024, shape: 3, randomSource: new RngStreams(21).Create("sizes"));
        var samples = new double[N];
        pareto.Samples(samples);
        double se = pareto.StdDev / Math.Sqrt(N);
        Assert.InRange(samples.Average(), 1536 - (5 * se), 1536 + (5 * se));
        Array.Sort(samples);
        Assert.InRange(samples[N / 2], 1024 * Math.Pow(2, 1 / 3.0) * 0.995, 1024 * Math.Pow(2, 1 / 3.0) * 1.005);
        Assert.True(samples[0] >= 1024);
    }

    [Fact]
    public void LogNormal_samples_have_median_e_to_the_mu_and_mean_e_to_the_mu_plus_half_sigma_squared()
    {
        var logNormal = new LogNormal(mu: 2, sigma: 0.5, randomSource: new RngStreams(22).Create("service"));
        var samples = new double[N];
        logNormal.Samples(samples);
        double mean = Math.Exp(2 + (0.125));
        double se = logNormal.StdDev / Math.Sqrt(N);
        Assert.InRange(samples.Average(), mean - (5 * se), mean + (5 * se));
        Array.Sort(samples);
        Assert.InRange(samples[N / 2], Math.Exp(2) * 0.995, Math.Exp(2) * 1.005);
    }

    [Fact]
    public void A_distribution_on_a_named_stream_repeats_exactly_for_the_same_seed()
    {
        double[] Draw() => new Exponential(1e-3, new RngStreams(5).Create("node/a/arrivals")).Samples().Take(1000).ToArray();
        Assert.Equal(Draw(), Draw());
    }
}
