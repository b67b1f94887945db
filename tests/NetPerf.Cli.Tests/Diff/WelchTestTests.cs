using NetPerf.Cli.Diff;

namespace NetPerf.Cli.Tests.Diff;

/// <summary>The statistic itself, against a published value, and the standard error recovered from an interval.</summary>
public sealed class WelchTestTests
{
    // Wikipedia, "Welch's t-test", example 1 (two samples of 15 with unequal variances): t = -2.46 for A1 - A2,
    // nu = 25.0, p = 0.021. diff computes B - A, so the sign is flipped.
    private static readonly double[] A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    private static readonly double[] A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

    [Fact]
    public void Matches_the_textbook_t_df_and_p()
    {
        var w = WelchTest.FromSamples(A1, A2);

        Assert.Equal(2.455, w.T, 3);
        Assert.Equal(24.99, w.DegreesOfFreedom, 2);
        Assert.InRange(w.P, 0.020, 0.022);
        Assert.True(w.Significant);
    }

    [Fact]
    public void The_standard_error_from_a_95_percent_half_width_gives_the_same_test_as_the_samples()
    {
        // A 95% half-width is t(0.975, n-1) * se: dividing it back out must reproduce the test from raw samples.
        static (double Mean, double Ci95) Interval(double[] x)
        {
            double m = x.Average();
            double se = Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / (x.Length - 1) / x.Length);
            return (m, se * MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, x.Length - 1, 0.975));
        }

        var (ma, ca) = Interval(A1);
        var (mb, cb) = Interval(A2);
        var w = WelchTest.FromMeans(ma, WelchTest.StandardError(ca, A1.Length), A1.Length, mb, WelchTest.StandardError(cb, A2.Length), A2.Length);

        var direct = WelchTest.FromSamples(A1, A2);
        Assert.Equal(direct.T, w.T, 9);
        Assert.Equal(direct.DegreesOfFreedom, w.DegreesOfFreedom, 9);
        Assert.Equal(direct.P, w.P, 9);
    }

    [Fact]
    public void Equal_means_are_not_significant()
    {
        var w = WelchTest.FromMeans(20, 0.05, 5, 20, 0.05, 5);

        Assert.Equal(0, w.T);
        Assert.Equal(1, w.P, 12);
        Assert.False(w.Significant);
    }

    [Theory]
    [InlineData("5%", 5)]
    [InlineData("2.5%", 2.5)]
    [InlineData("0%", 0)]
    public void A_threshold_is_a_percentage_with_its_sign(string text, double percent)
    {
        Assert.True(FailThreshold.TryParse(text, out var t));
        Assert.Equal(percent, t.Percent);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("0.05")]
    [InlineData("-5%")]
    [InlineData("five%")]
    [InlineData("1e3%")]
    [InlineData("")]
    public void Anything_else_is_refused(string text) => Assert.False(FailThreshold.TryParse(text, out _));
}
