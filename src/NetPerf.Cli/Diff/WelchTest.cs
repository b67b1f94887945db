using MathNet.Numerics.Distributions;

namespace NetPerf.Cli.Diff;

/// <summary>
/// Welch's unequal-variances t-test on two means, each given as mean, standard error and the number of
/// independent values behind that standard error: all a summary.csv row keeps of its samples.
/// </summary>
public static class WelchTest
{
    /// <summary>From raw samples (the textbook form; the tests check the statistic against published values with it).</summary>
    public static WelchResult FromSamples(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        static (double Mean, double Se) Of(IReadOnlyList<double> x)
        {
            double mean = x.Average();
            double variance = x.Sum(v => (v - mean) * (v - mean)) / (x.Count - 1);
            return (mean, Math.Sqrt(variance / x.Count));
        }

        var (ma, sa) = Of(a);
        var (mb, sb) = Of(b);
        return FromMeans(ma, sa, a.Count, mb, sb, b.Count);
    }

    /// <summary>
    /// From each side's mean, standard error of the mean and number of independent values (at least 2 each).
    /// </summary>
    public static WelchResult FromMeans(double meanA, double seA, long nA, double meanB, double seB, long nB)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nA, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(nB, 2);
        double va = seA * seA;
        double vb = seB * seB;
        double pooled = va + vb;
        if (pooled == 0)
        {
            // No spread on either side (deterministic figures): any difference is real, none is none.
            return meanA == meanB
                ? new WelchResult(0, double.PositiveInfinity, 1)
                : new WelchResult(meanB > meanA ? double.PositiveInfinity : double.NegativeInfinity, double.PositiveInfinity, 0);
        }

        double t = (meanB - meanA) / Math.Sqrt(pooled);
        double df = pooled * pooled / ((va * va / (nA - 1)) + (vb * vb / (nB - 1)));
        double p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        return new WelchResult(t, df, Math.Clamp(p, 0, 1));
    }

    /// <summary>
    /// The standard error behind a 95% half-width built from <paramref name="n"/> independent values: the
    /// half-width divided by Student's t quantile at n - 1 degrees of freedom, as ConfidenceInterval built it. The
    /// t quantile is used for every n, never the normal 1.96: MathNet computes it for any df and it tends to 1.96
    /// on its own, so there is no threshold to choose.
    /// </summary>
    public static double StandardError(double ci95, long n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        return ci95 / StudentT.InvCDF(0, 1, n - 1, 0.975);
    }
}
