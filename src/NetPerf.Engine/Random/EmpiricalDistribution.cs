using MathNet.Numerics.Distributions;

namespace NetPerf.Engine.Random;

/// <summary>
/// A continuous distribution given by a piecewise-linear cumulative distribution function: either through
/// observed values (Law and Kelton, "Simulation Modeling and Analysis", 3rd ed., 6.2.4: the i-th smallest of n
/// observations sits at probability (i-1)/(n-1)) or through a published table of (value, cumulative probability),
/// the way flow-size and message-size distributions are given in papers. Sampled by inversion, so one uniform
/// number gives one sample and common random numbers line up across configurations.
/// </summary>
/// <remarks>MathNet.Numerics has an empirical CDF function but no sampler, hence this type.</remarks>
public sealed class EmpiricalDistribution : IContinuousDistribution
{
    private readonly double[] _x;  // knots, non-decreasing
    private readonly double[] _f;  // cumulative probability at each knot, from 0 to 1, non-decreasing

    private EmpiricalDistribution(double[] x, double[] f, System.Random random)
    {
        _x = x;
        _f = f;
        RandomSource = random;
        (Mean, Variance, Skewness) = Moments(x, f);
    }

    /// <summary>From at least two observations (any order).</summary>
    public static EmpiricalDistribution FromObservations(IEnumerable<double> observations, System.Random random)
    {
        double[] x = observations.ToArray();
        if (x.Length < 2)
        {
            throw new ArgumentException("an empirical distribution needs at least two observations.", nameof(observations));
        }

        if (x.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("observations must be finite numbers.", nameof(observations));
        }

        Array.Sort(x);
        double[] f = new double[x.Length];
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = (double)i / (f.Length - 1);
        }

        return new EmpiricalDistribution(x, f, random);
    }

    /// <summary>
    /// From a table of values and their cumulative probabilities: values non-decreasing, probabilities
    /// non-decreasing from exactly 0 to exactly 1.
    /// </summary>
    public static EmpiricalDistribution FromCdf(IReadOnlyList<double> values, IReadOnlyList<double> cumulative, System.Random random)
    {
        if (values.Count != cumulative.Count || values.Count < 2)
        {
            throw new ArgumentException("a CDF table needs at least two points, with as many probabilities as values.");
        }

        for (int i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]) || !double.IsFinite(cumulative[i]))
            {
                throw new ArgumentException($"CDF point {i} is not a finite number.");
            }

            if (i > 0 && (values[i] < values[i - 1] || cumulative[i] < cumulative[i - 1]))
            {
                throw new ArgumentException($"CDF point {i} ({values[i]}, {cumulative[i]}) decreases: values and probabilities must not decrease.");
            }
        }

        if (cumulative[0] != 0.0 || cumulative[^1] != 1.0)
        {
            throw new ArgumentException("a CDF table must start at probability 0 and end at probability 1.");
        }

        return new EmpiricalDistribution(values.ToArray(), cumulative.ToArray(), random);
    }

    public System.Random RandomSource { get; set; }

    public double Mean { get; }
    public double Variance { get; }
    public double StdDev => Math.Sqrt(Variance);
    public double Skewness { get; }
    public double Minimum => _x[0];
    public double Maximum => _x[^1];
    public double Median => InverseCumulativeDistribution(0.5);

    /// <summary>The midpoint of the densest segment.</summary>
    public double Mode
    {
        get
        {
            int best = 0;
            double bestDensity = -1;
            for (int k = 0; k + 1 < _x.Length; k++)
            {
                double d = SegmentDensity(k);
                if (d > bestDensity)
                {
                    bestDensity = d;
                    best = k;
                }
            }

            return (_x[best] + _x[best + 1]) / 2;
        }
    }

    /// <summary>Differential entropy in nats; negative infinity if the distribution has an atom.</summary>
    public double Entropy
    {
        get
        {
            double h = 0;
            for (int k = 0; k + 1 < _x.Length; k++)
            {
                double p = _f[k + 1] - _f[k];
                if (p == 0)
                {
                    continue;
                }

                double width = _x[k + 1] - _x[k];
                if (width == 0)
                {
                    return double.NegativeInfinity;
                }

                h -= p * Math.Log(p / width);
            }

            return h;
        }
    }

    public double CumulativeDistribution(double x)
    {
        if (x < _x[0])
        {
            return 0;
        }

        if (x >= _x[^1])
        {
            return 1;
        }

        // Last knot at or below x: a value repeated across knots takes the highest probability it reaches.
        int k = UpperBound(_x, x) - 1;
        double width = _x[k + 1] - _x[k];
        return width == 0 ? _f[k + 1] : _f[k] + ((_f[k + 1] - _f[k]) * (x - _x[k]) / width);
    }

    public double InverseCumulativeDistribution(double p)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "a probability is between 0 and 1.");
        }

        if (p >= 1)
        {
            return _x[^1];
        }

        int k = UpperBound(_f, p) - 1;
        double dp = _f[k + 1] - _f[k];
        return dp == 0 ? _x[k] : _x[k] + ((_x[k + 1] - _x[k]) * (p - _f[k]) / dp);
    }

    /// <summary>Density; infinite at a value that the table repeats (a probability atom).</summary>
    public double Density(double x)
    {
        if (x < _x[0] || x > _x[^1])
        {
            return 0;
        }

        int k = Math.Min(UpperBound(_x, x) - 1, _x.Length - 2);
        return SegmentDensity(k);
    }

    public double DensityLn(double x) => Math.Log(Density(x));

    public double Sample() => InverseCumulativeDistribution(RandomSource.NextDouble());

    public void Samples(double[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Sample();
        }
    }

    public IEnumerable<double> Samples()
    {
        while (true)
        {
            yield return Sample();
        }
    }

    private double SegmentDensity(int k)
    {
        double width = _x[k + 1] - _x[k];
        double p = _f[k + 1] - _f[k];
        return p == 0 ? 0 : width == 0 ? double.PositiveInfinity : p / width;
    }

    /// <summary>Index of the first element greater than <paramref name="v"/>.</summary>
    private static int UpperBound(double[] a, double v)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= v)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Each segment is uniform on [a, b] with its probability: raw moments (b^(k+1)-a^(k+1))/((k+1)(b-a)).</summary>
    private static (double Mean, double Variance, double Skewness) Moments(double[] x, double[] f)
    {
        double m1 = 0, m2 = 0, m3 = 0;
        for (int k = 0; k + 1 < x.Length; k++)
        {
            double p = f[k + 1] - f[k];
            double a = x[k], b = x[k + 1];
            m1 += p * (a + b) / 2;
            m2 += p * ((a * a) + (a * b) + (b * b)) / 3;
            m3 += p * ((a * a * a) + (a * a * b) + (a * b * b) + (b * b * b)) / 4;
        }

        double variance = Math.Max(0, m2 - (m1 * m1));
        double skew = variance == 0 ? double.NaN : (m3 - (3 * m1 * variance) - (m1 * m1 * m1)) / Math.Pow(variance, 1.5);
        return (m1, variance, skew);
    }
}
