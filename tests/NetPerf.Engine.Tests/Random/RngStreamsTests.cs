using MathNet.Numerics.Distributions;
using NetPerf.Engine.Random;

namespace NetPerf.Engine.Tests.Random;

public class RngStreamsTests
{
    private static ulong[] Draw(RngStream s, int n) => Enumerable.Range(0, n).Select(_ => s.NextUInt64()).ToArray();

    [Fact]
    public void A_named_stream_is_the_same_whatever_other_streams_exist_or_were_created_first()
    {
        var small = new RngStreams(42);
        var a = Draw(small.Create("node/worker-1/nic"), 100);

        // A larger cluster: more nodes, created in another order.
        var large = new RngStreams(42);
        _ = large.Create("node/worker-3/nic");
        _ = large.Create("node/worker-2/nic");
        var b = Draw(large.Create("node/worker-1/nic"), 100);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Different_names_and_different_seeds_give_different_streams()
    {
        var s = new RngStreams(42);
        Assert.NotEqual(Draw(s.Create("a"), 4), Draw(s.Create("b"), 4));
        Assert.NotEqual(Draw(new RngStreams(1).Create("a"), 4), Draw(new RngStreams(2).Create("a"), 4));
    }

    [Theory]
    [InlineData(0UL, 0x99EC5F36CB75F2B4UL, 0xBF6E1F784956452AUL, 0x1A5F849D4933E6E0UL)]
    [InlineData(0xDEADBEEFCAFEBABEUL, 0x2299B3421AA78B66UL, 0x9AF6550483E02887UL, 0xDA059CB5EEC5C979UL)]
    public void Xoshiro256StarStar_seeded_by_SplitMix64_matches_the_reference_implementation(ulong seed, ulong first, ulong second, ulong third)
    {
        // Expected values from Vigna's reference xoshiro256starstar.c and splitmix64.c, compiled with gcc.
        var rng = new RngStream(seed);
        Assert.Equal([first, second, third], [rng.NextUInt64(), rng.NextUInt64(), rng.NextUInt64()]);
        ulong x = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, RngStream.SplitMix64(ref x)); // splitmix64.c's first output from 0
    }

    [Fact]
    public void Uniform_doubles_have_mean_one_half_and_variance_one_twelfth()
    {
        var rng = new RngStreams(7).Create("uniform");
        const int n = 1_000_000;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            Assert.InRange(u, 0.0, 0.9999999999999999);
            sum += u;
            sumSq += u * u;
        }

        double mean = sum / n;
        double variance = (sumSq / n) - (mean * mean);
        // Standard error of the mean is sqrt(1/12 / n) = 0.00029: allow 5 of them.
        Assert.InRange(mean, 0.5 - 0.0015, 0.5 + 0.0015);
        Assert.InRange(variance, (1 / 12.0) * 0.99, (1 / 12.0) * 1.01);
    }

    [Fact]
    public void Bounded_integers_are_uniform_by_a_chi_square_test()
    {
        var rng = new RngStreams(9).Create("dice");
        const int k = 10, n = 100_000;
        var counts = new int[k];
        for (int i = 0; i < n; i++)
        {
            counts[rng.Next(k)]++;
        }

        double expected = (double)n / k;
        double chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        // 99.9th percentile of chi-square with 9 degrees of freedom.
        Assert.True(chi2 < ChiSquared.InvCDF(k - 1, 0.999), $"chi2 = {chi2}");
    }

    [Fact]
    public void MathNet_exponential_samples_drawn_from_a_stream_have_the_right_mean()
    {
        var rng = new RngStreams(3).Create("exp");
        const int n = 400_000;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += Exponential.Sample(rng, 1.0 / 100.0);
        }

        // Standard error 100 / sqrt(n) = 0.158: allow 5.
        Assert.InRange(sum / n, 100 - 0.8, 100 + 0.8);
    }
}
