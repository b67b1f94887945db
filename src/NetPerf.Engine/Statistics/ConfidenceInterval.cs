using System.Globalization;
using MathNet.Numerics.Distributions;

namespace NetPerf.Engine.Statistics;

/// <summary>A mean and its two-sided Student-t confidence interval.</summary>
public readonly record struct ConfidenceInterval(double Mean, double HalfWidth, double Level, int Samples)
{
    public double Lower => Mean - HalfWidth;
    public double Upper => Mean + HalfWidth;

    /// <summary>Half-width relative to the mean.</summary>
    public double RelativeHalfWidth => HalfWidth / Math.Abs(Mean);

    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <summary>
    /// The interval for the mean of <paramref name="values"/>, which must be (close to) independent and
    /// identically distributed: independent replications, or batch means of large enough batches.
    /// </summary>
    public static ConfidenceInterval FromIndependent(IReadOnlyList<double> values, double level = 0.95)
    {
        if (values.Count < 2)
        {
            throw new ArgumentException("a confidence interval needs at least two independent values.", nameof(values));
        }

        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "the confidence level is between 0 and 1 (e.g. 0.95).");
        }

        var tally = new Tally();
        foreach (double v in values)
        {
            tally.Add(v);
        }

        int df = values.Count - 1;
        double t = StudentT.InvCDF(0, 1, df, 1 - ((1 - level) / 2));
        return new ConfidenceInterval(tally.Mean, t * tally.StdDev / Math.Sqrt(values.Count), level, values.Count);
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Mean:G6} +/- {HalfWidth:G3} ({Level:P0}, n={Samples})");
}
