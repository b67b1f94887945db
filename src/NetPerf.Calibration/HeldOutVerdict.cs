using NetPerf.Calibration.Paths;

namespace NetPerf.Calibration;

/// <summary>
/// How far a calibration's predictions can be trusted, in one line per figure: how many held-out paths the fit
/// predicted within the project's fidelity targets (p50 within 10%, CPU per transaction within 15%, p99 within 25% or
/// its own round-to-round spread, the VXLAN / host-gw ratio within 0.05), and the widest miss. The fit paths are not
/// counted: reproducing what it was fitted on says little.
/// </summary>
public sealed record HeldOutVerdict(string Metric, double Target, int Within, int Paths, CalibrationRow? Widest)
{
    /// <summary>The figures judged, with their targets (relative errors; the ratio's is absolute).</summary>
    public static readonly IReadOnlyList<(string Metric, double Target)> Targets =
        [("p50_us", 0.10), ("cpu_per_transaction_us", 0.15), ("p99_us", 0.25), ("p50_ratio", 0.05)];

    public bool Met => Within == Paths;

    public static IReadOnlyList<HeldOutVerdict> Of(CalibrationOutcome outcome)
    {
        var heldOut = outcome.Rows.Concat(outcome.Ratios).Where(r => r.Role == PathRole.HeldOut && r.Measured > 0).ToList();
        var verdicts = new List<HeldOutVerdict>();
        foreach (var (metric, target) in Targets)
        {
            var rows = heldOut.Where(r => r.Metric == metric).ToList();
            if (rows.Count == 0)
            {
                continue;
            }

            var widest = rows.MaxBy(Miss);
            verdicts.Add(new HeldOutVerdict(metric, target, rows.Count(r => Miss(r) <= Allowed(r, target)), rows.Count, widest));
        }

        return verdicts;
    }

    /// <summary>A ratio's miss is its absolute difference; every other figure's is its relative error.</summary>
    public static double Miss(CalibrationRow r) => r.Metric == "p50_ratio" ? Math.Abs(r.Predicted - r.Measured) : Math.Abs(r.Error);

    /// <summary>p99's target widens to the path's own round-to-round spread where that is wider: a tail moves so much.</summary>
    private static double Allowed(CalibrationRow r, double target) => r.Metric == "p99_us" ? Math.Max(target, r.RoundSpread) : target;
}
