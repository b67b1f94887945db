using NetPerf.Calibration;
using NetPerf.Calibration.Paths;

namespace NetPerf.Cli.Commands;

/// <summary>
/// calibrate's result as data (<c>-o json|yaml</c>): where it wrote, the fit's factors and interruption classes, and
/// every row of calibration.csv at full precision (the CSV rounds to three decimals), in the CSV's order and roles.
/// </summary>
internal sealed record CalibrationReport(
    string Results,
    string CostFile,
    bool Refit,
    int Rounds,
    int RejectedRounds,
    IReadOnlyList<CalibrationReport.GroupFactor> Fit,
    CalibrationReport.Interruptions Interference,
    IReadOnlyList<CalibrationReport.Row> Rows,
    IReadOnlyList<CalibrationReport.Verdict> HeldOut,
    IReadOnlyList<string> Warnings)
{
    /// <summary>One stage group's factor over the shipped table; at a bound when the fit held it at its physical limit.</summary>
    internal sealed record GroupFactor(string Group, double Factor, bool AtBound);

    /// <summary>The two fitted interruption classes (per busy millisecond of a core, and their mean lengths) and the spread of a new connection's work (lognormal sigma; 0 without TCP_CRR fit paths).</summary>
    internal sealed record Interruptions(double RatePerMs, double MeanNs, double RareRatePerMs, double RareMeanNs, double ConnectionWorkSigma);

    /// <summary>A row of calibration.csv: role fit, held-out or shipped-profile (the shipped kind table's p50 on a held-out path).</summary>
    internal sealed record Row(string Path, string Role, string Metric, double Measured, double Predicted, double Error, double RoundSpread);

    /// <summary>
    /// One figure's held-out verdict: how many paths the fit predicted within NetPerf's target (a relative error; the
    /// ratio's is absolute), and the widest miss.
    /// </summary>
    internal sealed record Verdict(string Metric, double Target, int Within, int Paths, bool Met, string? WidestPath, double? WidestMiss);

    public static CalibrationReport From(CalibrationOutcome outcome, string dir, bool refit) => new(
        dir,
        System.IO.Path.Combine(dir, "cost-model.csv"),
        refit,
        outcome.Rounds,
        outcome.RejectedRounds,
        outcome.Fit.Factors.Select(f => new GroupFactor(f.Group.Name, f.Factor, f.AtBound)).ToList(),
        new Interruptions(outcome.Spread.RatePerMs, outcome.Spread.MeanNs, outcome.Spread.RareRatePerMs, outcome.Spread.RareMeanNs, outcome.ConnectionWork?.Sigma ?? 0),
        outcome.Rows.Concat(outcome.Ratios).Select(r => Of(r, r.Role == PathRole.Fit ? "fit" : "held-out"))
            .Concat(outcome.ShippedProfileRows.Select(r => Of(r, "shipped-profile"))).ToList(),
        HeldOutVerdict.Of(outcome).Select(v => new Verdict(v.Metric, v.Target, v.Within, v.Paths, v.Met, v.Widest?.Path, v.Widest is { } w ? HeldOutVerdict.Miss(w) : null)).ToList(),
        outcome.Warnings);

    private static Row Of(CalibrationRow r, string role) => new(r.Path, role, r.Metric, r.Measured, r.Predicted, r.Error, r.RoundSpread);
}
