namespace NetPerf.Calibration.Fit;

/// <summary>
/// Fits the two interruption classes (<see cref="Network.Cpu.KernelStage.Interference"/>, short and frequent;
/// <see cref="Network.Cpu.KernelStage.Preemption"/>, long and rare) to the loopback path's spread. A transaction
/// whose kernel work is S (the fitted stages) and whose probes spend U in user space takes S + U + the
/// interruptions that arrive during S: for each class a Poisson process of rate r per busy millisecond, each
/// occurrence lasting an exponential time of mean D, exactly as the simulator draws them (Host.Interference).
/// First (r1, D1) on a logarithmic grid to match the measured p50, p90 and p99; then, with it, (r2, D2) to match
/// the mean and p99.9 as well (relative squared errors, equal weights). Monte Carlo with a fixed seed and common
/// random numbers across the grid: the same measurement always gives the same fit.
/// </summary>
public static class InterferenceFit
{
    public sealed record Result(double RatePerMs, double MeanNs, double RareRatePerMs, double RareMeanNs,
        double ModelP50Ns, double ModelMeanNs, double ModelP99Ns, double ModelP999Ns);

    private const int Draws = 8;

    /// <summary>The long class's grid tops: a fit that ends there found other programs' time slices, not kernel interruptions.</summary>
    public const double MaxMeanNs = 1000 * 1000;
    public const double MaxRatePerMs = 0.01 * 316.3;

    public static Result Fit(double kernelNs, double userNs, double p50Ns, double p90Ns, double p99Ns, double p999Ns, double meanNs, int samples = 20_000)
    {
        var rng = new Random(20261202);
        // Common random numbers: the uniforms behind every sample's arrivals and lengths, reused for each candidate.
        var u = new double[samples * Draws * 4];
        for (int i = 0; i < u.Length; i++)
        {
            u[i] = -Math.Log(1 - rng.NextDouble());
        }

        var rtt = new double[samples];
        Result Evaluate(double r1, double d1, double r2, double d2)
        {
            double sum = 0;
            for (int i = 0; i < samples; i++)
            {
                int o = i * Draws * 4;
                double x = kernelNs + userNs + Class(u, o, r1, d1, kernelNs) + Class(u, o + (Draws * 2), r2, d2, kernelNs);
                rtt[i] = x;
                sum += x;
            }

            Array.Sort(rtt);
            return new Result(r1, d1, r2, d2, rtt[samples / 2], sum / samples, rtt[(int)(samples * 0.99)], rtt[(int)(samples * 0.999)]);
        }

        double p90Model = 0;
        Result best = Evaluate(0, 0, 0, 0);
        double bestError = double.MaxValue;
        foreach (var (r1, d1) in Grid())
        {
            var c = Evaluate(r1, d1, 0, 0);
            p90Model = rtt[(int)(samples * 0.9)];
            double e = Sq((c.ModelP50Ns / p50Ns) - 1) + Sq((p90Model / p90Ns) - 1) + Sq((c.ModelP99Ns / p99Ns) - 1);
            if (e < bestError)
            {
                (best, bestError) = (c, e);
            }
        }

        var first = best;
        bestError = double.MaxValue;
        foreach (var (r2, d2) in Grid(rateFrom: 0.01, decades: 2.5, meanFrom: 1000))
        {
            var c = Evaluate(first.RatePerMs, first.MeanNs, r2, d2);
            double e = Sq((c.ModelP50Ns / p50Ns) - 1) + Sq((c.ModelP99Ns / p99Ns) - 1) + Sq((c.ModelMeanNs / meanNs) - 1) + Sq((c.ModelP999Ns / p999Ns) - 1);
            if (e < bestError)
            {
                (best, bestError) = (c, e);
            }
        }

        return best;
    }

    /// <summary>One class's interruptions during <paramref name="workNs"/>: Poisson arrivals at <paramref name="perMs"/>, exponential lengths of mean <paramref name="meanNs"/>.</summary>
    private static double Class(double[] u, int o, double perMs, double meanNs, double workNs)
    {
        if (perMs <= 0)
        {
            return 0;
        }

        double perNs = perMs / 1e6, extra = 0, t = u[o] / perNs;
        for (int k = 0; t < workNs && k < Draws - 1; k++)
        {
            extra += u[o + Draws + k] * meanNs;
            t += u[o + k + 1] / perNs;
        }

        return extra;
    }

    private static IEnumerable<(double Rate, double Mean)> Grid(double rateFrom = 0.1, double decades = 3.5, double meanFrom = 100)
    {
        for (int ri = 0; ri <= 30; ri++)
        {
            for (int di = 0; di <= 30; di++)
            {
                yield return (rateFrom * Math.Pow(10, ri * decades / 30), meanFrom * Math.Pow(10, di * 3.0 / 30));
            }
        }
    }

    private static double Sq(double x) => x * x;
}
