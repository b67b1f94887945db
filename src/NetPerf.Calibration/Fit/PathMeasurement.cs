using NetPerf.Calibration.Paths;
using NetPerf.Calibration.Probe;

namespace NetPerf.Calibration.Fit;

/// <summary>
/// A path's probe runs over the accepted rounds. Its typical round trip is the quietest round's median: on a shared
/// machine contention only ever adds time (another program's time slice, a cold cache after it), so the lowest of
/// the rounds' medians is the best estimate of what the path itself costs; the other figures are medians over the
/// rounds (one slow round cannot move a median of several).
/// </summary>
public sealed record PathMeasurement(CalibrationPath Path, IReadOnlyList<ProbeResult> Rounds)
{
    public double P50Ns => Rounds.Count == 0 ? double.NaN : Rounds.Min(r => r.P50Ns);
    public double P90Ns => Median(r => r.P90Ns);
    public double P99Ns => Median(r => r.P99Ns);
    public double P999Ns => Median(r => r.P999Ns);
    public double MeanNs => Median(r => r.MeanNs);
    public double CpuNs => Rounds.Count == 0 ? double.NaN : Rounds.Min(r => r.CpuPerTransactionNs);
    /// <summary>
    /// The probes' own user time per transaction: the probe's figure pooled over every fit path it ran on
    /// (<see cref="ProbeUserNs"/>, set by the calibrator) where given, else this path's median. One probe runs the
    /// same user-space code on every path, and getrusage splits the exact run time into user and system by the
    /// ticks it sampled (kernel/sched/cputime.c cputime_adjust, without CONFIG_VIRT_CPU_ACCOUNTING_GEN): at HZ=250 a
    /// run of 10,000 transactions samples a user tick or two, so one path's own figure moves by 0-2.5 us from round to
    /// round and by hundreds of ns between paths, which the fit would otherwise take as kernel work.
    /// </summary>
    public double UserNs => ProbeUserNs ?? Median(r => r.UserPerTransactionNs);

    /// <summary>The probe's user time per transaction over all its fit paths' runs (their user time over their transactions).</summary>
    public double? ProbeUserNs { get; init; }
    public double KernelCpuNs => Median(r => r.KernelPerTransactionNs);
    public double OtherWorkShare => Median(r => r.OtherWorkShare);

    /// <summary>The kernel's work in a typical (median) transaction: its round trip less the probes' own user time, all on one core.</summary>
    public double TypicalKernelNs => P50Ns - UserNs;

    /// <summary>
    /// What this path's median adds to <paramref name="other"/>'s: the median over the rounds of the two medians'
    /// difference in the same round. The paths ran back to back in each round, so a slow phase of the machine lifts
    /// both alike and cancels; the difference of the quietest rounds (<see cref="P50Ns"/> each) may pair one path's
    /// quiet round with the other's slow one. Rounds are paired by their order (calibrate accepts or rejects a round
    /// for every path at once); with unequal counts, the difference of the quietest rounds.
    /// </summary>
    public double PairedP50DifferenceNs(PathMeasurement other)
    {
        if (Rounds.Count == 0 || Rounds.Count != other.Rounds.Count)
        {
            return P50Ns - other.P50Ns;
        }

        var differences = Rounds.Zip(other.Rounds, (mine, theirs) => mine.P50Ns - theirs.P50Ns).Order().ToArray();
        return MedianOf(differences);
    }

    /// <summary>(max - min) / median over the rounds: how much the machine moved this figure between rounds.</summary>
    public double Spread(Func<ProbeResult, double> of)
    {
        double median = Median(of);
        return Rounds.Count < 2 || median == 0 ? 0 : (Rounds.Max(of) - Rounds.Min(of)) / median;
    }

    /// <summary>
    /// (upper quartile - lower quartile) / median over the rounds: how much the machine moved this figure in a
    /// typical round, which one disturbed round does not set as it sets <see cref="Spread"/> (Tukey's hinges: each half includes the median when the count is odd; 0 for fewer than two rounds).
    /// </summary>
    public double InterquartileSpread(Func<ProbeResult, double> of)
    {
        var xs = Rounds.Select(of).Order().ToArray();
        if (xs.Length < 2)
        {
            return 0;
        }

        double median = MedianOf(xs);
        int half = xs.Length / 2;
        double lower = MedianOf(xs[..(xs.Length % 2 == 1 ? half + 1 : half)]);
        double upper = MedianOf(xs[half..]);
        return median == 0 ? 0 : (upper - lower) / median;
    }

    private static double MedianOf(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    public double Median(Func<ProbeResult, double> of)
    {
        var xs = Rounds.Select(of).Order().ToArray();
        return xs.Length == 0 ? double.NaN : MedianOf(xs);
    }
}
