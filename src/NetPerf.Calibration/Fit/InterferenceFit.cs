namespace NetPerf.Calibration.Fit;

/// <summary>
/// Fits the two interruption classes (<see cref="Network.Cpu.KernelStage.Interference"/>, short and frequent;
/// <see cref="Network.Cpu.KernelStage.Preemption"/>, long and rare) to the fit paths' spread. A transaction
/// whose kernel work is S (the fitted stages) and whose probes spend U in user space takes S + U + the
/// interruptions that arrive during S: for each class a Poisson process of rate r per busy millisecond, each
/// occurrence lasting an exponential time of mean D, exactly as the simulator draws them (Host.Interference).
/// <para>
/// First (r1, D1) on a logarithmic grid to match the reference (loopback) path's p50, p90 and p99. Then, with it,
/// (r2, D2) to match every fit path's p99 and p99.9 above its median, and the reference's p50 and mean (relative squared errors,
/// p99.9's weighted by a tenth, <see cref="TailWeight"/>). One path alone cannot tell a rate from a length: loopback's p99.9 is met as well by a rare long
/// interruption as by a commoner shorter one. Paths of different lengths can: the chance that a transaction is
/// hit grows with its busy time (rate x S), so how p99 rises from a 10 us path to a 25 us one fixes the rate, and
/// how far it rises fixes the length. That is what a held-out 30-50 us path's p99 depends on.
/// </para>
/// Monte Carlo with a fixed seed and common random numbers across the grid: the same measurements always give the same fit.
/// </summary>
public static class InterferenceFit
{
    /// <summary>A fit path's measured spread, and the model's kernel work on it (<paramref name="KernelNs"/>, without interruptions).</summary>
    public sealed record Tail(string Name, double KernelNs, double UserNs, double P50Ns, double P90Ns, double P99Ns, double P999Ns, double MeanNs);

    /// <summary>The model's p99 and p99.9 for one fit path under the fitted classes.</summary>
    public sealed record PathTail(string Name, double MeasuredP99Ns, double ModelP99Ns, double MeasuredP999Ns, double ModelP999Ns);

    public sealed record Result(double RatePerMs, double MeanNs, double RareRatePerMs, double RareMeanNs,
        double ModelP50Ns, double ModelMeanNs, double ModelP99Ns, double ModelP999Ns)
    {
        /// <summary>Every fit path's tail under the fitted classes (the reference first).</summary>
        public IReadOnlyList<PathTail> Paths { get; init; } = [];
    }

    /// <summary>
    /// Occurrences drawn per class per transaction at most. The simulator draws without limit; 32 is beyond any the
    /// grid reaches on a fit path (at 316/ms, the grid's top rate, a 25 us path expects 8, and P(more than 31) is below 1e-8).
    /// </summary>
    internal const int Draws = 32;

    /// <summary>
    /// p99.9's weight beside p99's: a probe run's p99.9 rests on a tenth as many transactions beyond it (10 of
    /// 10,000 against 100), so its squared error is weighted by the tenth that its variance allows.
    /// </summary>
    private const double TailWeight = 0.1;

    /// <summary>The long class's grid tops: a fit that ends there found other programs' time slices, not kernel interruptions.</summary>
    public const double MaxMeanNs = 1000 * 1000;
    public const double MaxRatePerMs = 0.01 * 316.3;

    /// <summary>Both classes from one path's spread alone (rate and length of the long class are then only as told apart as one path allows).</summary>
    public static Result Fit(double kernelNs, double userNs, double p50Ns, double p90Ns, double p99Ns, double p999Ns, double meanNs, int samples = 20_000) =>
        Fit([new Tail("reference", kernelNs, userNs, p50Ns, p90Ns, p99Ns, p999Ns, meanNs)], samples);

    /// <summary>Both classes from the fit paths' spreads; <paramref name="paths"/>[0] is the reference for the short class, the p50 and the mean.</summary>
    public static Result Fit(IReadOnlyList<Tail> paths, int samples = 20_000)
    {
        ArgumentOutOfRangeException.ThrowIfZero(paths.Count);
        var reference = paths[0];
        var rng = new Random(20261202);
        // Common random numbers: the uniforms behind every sample's arrivals and lengths, reused for each candidate and path.
        var u = new double[samples * Draws * 4];
        for (int i = 0; i < u.Length; i++)
        {
            u[i] = -Math.Log(1 - rng.NextDouble());
        }

        var rtt = new double[samples];

        Figures Evaluate(Tail path, int n, double r1, double d1, double r2, double d2)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                int o = i * Draws * 4;
                double x = path.KernelNs + path.UserNs + Class(u, o, r1, d1, path.KernelNs) + Class(u, o + (Draws * 2), r2, d2, path.KernelNs);
                rtt[i] = x;
                sum += x;
            }

            Array.Sort(rtt, 0, n);
            return new Figures(rtt[n / 2], rtt[(int)(n * 0.9)], rtt[(int)(n * 0.99)], rtt[(int)(n * 0.999)], sum / n);
        }

        (double R1, double D1) first = (0, 0);
        double bestError = double.MaxValue;
        foreach (var (r1, d1) in Grid())
        {
            var c = Evaluate(reference, samples, r1, d1, 0, 0);
            double e = Sq((c.P50 / reference.P50Ns) - 1) + Sq((c.P90 / reference.P90Ns) - 1) + Sq((c.P99 / reference.P99Ns) - 1);
            if (e < bestError)
            {
                (first, bestError) = ((r1, d1), e);
            }
        }

        (double R2, double D2) second = (0, 0);
        bestError = double.MaxValue;
        foreach (var (r2, d2) in Grid(rateFrom: 0.01, decades: 2.5, meanFrom: 1000))
        {
            var c = Evaluate(reference, samples, first.R1, first.D1, r2, d2);
            double e = Sq((c.P50 / reference.P50Ns) - 1) + Sq((c.Mean / reference.MeanNs) - 1) + TailError(c, reference);
            for (int p = 1; p < paths.Count && e < bestError; p++)
            {
                e += TailError(Evaluate(paths[p], samples, first.R1, first.D1, r2, d2), paths[p]);
            }

            if (e < bestError)
            {
                (second, bestError) = ((r2, d2), e);
            }
        }

        var tails = new List<PathTail>();
        for (int p = 0; p < paths.Count; p++)
        {
            var f = Evaluate(paths[p], samples, first.R1, first.D1, second.R2, second.D2);
            tails.Add(new PathTail(paths[p].Name, paths[p].P99Ns, f.P99, paths[p].P999Ns, f.P999));
        }

        var r = Evaluate(reference, samples, first.R1, first.D1, second.R2, second.D2);
        return new Result(first.R1, first.D1, second.R2, second.D2, r.P50, r.Mean, r.P99, r.P999) { Paths = tails };
    }

    /// <summary>
    /// What the fitted interruptions add to the median transaction of a path whose kernel work is
    /// <paramref name="kernelNs"/> and whose probes spend <paramref name="userNs"/> in user space: the median of
    /// S + U + the interruptions during S, less S + U (the same process and draws as the fit). A measured median holds
    /// that much of the interruptions' time; the stages must not be fitted to it as well, or a simulation, which
    /// draws the interruptions on top of the stages, counts it twice.
    /// </summary>
    public static double MedianDelayNs(Result fitted, double kernelNs, double userNs, int samples = 20_000)
    {
        if (fitted.RatePerMs <= 0 && fitted.RareRatePerMs <= 0)
        {
            return 0;
        }

        var rng = new Random(20261202);
        var u = new double[Draws * 4];
        var rtt = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            for (int k = 0; k < u.Length; k++)
            {
                u[k] = -Math.Log(1 - rng.NextDouble());
            }

            rtt[i] = Class(u, 0, fitted.RatePerMs, fitted.MeanNs, kernelNs) + Class(u, Draws * 2, fitted.RareRatePerMs, fitted.RareMeanNs, kernelNs);
        }

        Array.Sort(rtt);
        return rtt[samples / 2];
    }

    /// <summary>
    /// How far the model's tail misses a path's: its p99 and p99.9 above its own median, put on the measured median.
    /// The interruptions make the tail; the fitted stages make the median, and a path whose median the cost fit
    /// misses by 5% must not pull the interruptions to make up for it (nor is that miss charged to them).
    /// </summary>
    private static double TailError(Figures model, Tail measured) =>
        Sq(((model.P99 - model.P50 + measured.P50Ns) / measured.P99Ns) - 1) + (TailWeight * Sq(((model.P999 - model.P50 + measured.P50Ns) / measured.P999Ns) - 1));

    private readonly record struct Figures(double P50, double P90, double P99, double P999, double Mean);

    /// <summary>One class's interruptions during <paramref name="workNs"/>: Poisson arrivals at <paramref name="perMs"/>, exponential lengths of mean <paramref name="meanNs"/>.</summary>
    internal static double Class(double[] u, int o, double perMs, double meanNs, double workNs)
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
