using System.Globalization;
using NetPerf.Calibration;
using NetPerf.Calibration.Paths;

namespace NetPerf.Cli.Commands;

/// <summary>Prints calibrate's comparison: per path, measured against predicted, fitted paths first, then the held-out ones.</summary>
internal static class CalibrationTable
{
    public static void Print(TextWriter output, CalibrationOutcome outcome)
    {
        output.WriteLine($"Fit: {string.Join(", ", outcome.Fit.Factors.Select(f => $"{f.Group.Name} x{f.Factor.ToString("F2", CultureInfo.InvariantCulture)}{(f.AtBound ? " (bound)" : "")}"))}{(outcome.Fit.Cold.Count == 0 ? "" : $"; first run on a journey {string.Join(", ", outcome.Fit.Cold.Select(f => $"{f.Group.Name} +{f.Factor.ToString("F2", CultureInfo.InvariantCulture)}{(f.AtBound ? " (bound)" : "")}"))}")}; interference {outcome.Spread.RatePerMs.ToString("F2", CultureInfo.InvariantCulture)}/busy ms of {outcome.Spread.MeanNs:F0} ns, preemption {outcome.Spread.RareRatePerMs.ToString("F3", CultureInfo.InvariantCulture)}/busy ms of {outcome.Spread.RareMeanNs:F0} ns{(outcome.ConnectionWork is { } work ? $", a new connection's work sigma {work.Sigma.ToString("F3", CultureInfo.InvariantCulture)}" : "")}");
        output.WriteLine($"Rounds accepted: {outcome.Rounds - outcome.RejectedRounds} of {outcome.Rounds}");
        output.WriteLine();
        output.WriteLine($"  {"path",-40} {"role",-8} {"figure",-10} {"measured",10} {"predicted",10} {"error",8} {"spread",7}");
        foreach (var r in outcome.Rows.OrderBy(r => r.Role).Concat(outcome.Ratios))
        {
            string figure = r.Metric switch
            {
                "p50_us" => "p50 us",
                "p99_us" => "p99 us",
                "cpu_per_transaction_us" => "cpu/tx us",
                "goodput_gbps" => "Gbit/s",
                "cpu_per_kib_ns" => "cpu ns/KiB",
                _ => "ratio",
            };
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Path,-40} {(r.Role == PathRole.Fit ? "fit" : "held-out"),-8} {figure,-10} {r.Measured,10:F2} {r.Predicted,10:F2} {Shown(r.Error),8:+0.0%;-0.0%} {r.RoundSpread,7:P0}"));
        }

        output.WriteLine();
        output.WriteLine("Held out, against NetPerf's fidelity targets (the paths the fit never saw):");
        foreach (var v in HeldOutVerdict.Of(outcome))
        {
            string what = v.Metric switch
            {
                "p50_us" => "p50",
                "cpu_per_transaction_us" => "CPU per transaction",
                "p99_us" => "p99",
                _ => "VXLAN / host-gw ratio",
            };
            string target = v.Metric == "p50_ratio" ? $"within {v.Target.ToString("F2", CultureInfo.InvariantCulture)}" : string.Create(CultureInfo.InvariantCulture, $"within {v.Target * 100:F0}%{(v.Metric == "p99_us" ? " or its round spread" : "")}");
            string widest = v.Widest is not { } w0 ? ""
                : v.Metric == "p50_ratio"
                    ? string.Create(CultureInfo.InvariantCulture, $"; measured {w0.Measured:F2}, predicted {w0.Predicted:F2}")
                    : string.Create(CultureInfo.InvariantCulture, $"; widest {w0.Path} {Shown(w0.Error):+0.0%;-0.0%}");
            output.WriteLine($"  {what}: {v.Within} of {v.Paths} {target}{widest}{(v.Met ? "" : " (target missed)")}");
        }

        foreach (var w in outcome.Warnings)
        {
            output.WriteLine($"warning: {w}");
        }

        if (outcome.ShippedProfileRows.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("The shipped kind profile (no calibration) on the held-out paths:");
            foreach (var r in outcome.ShippedProfileRows)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Path,-40} {"profile",-8} {"p50 us",-10} {r.Measured,10:F2} {r.Predicted,10:F2} {Shown(r.Error),8:+0.0%;-0.0%}"));
            }
        }
    }

    /// <summary>An error as the table prints it: one that rounds to 0.0% is 0 (a custom format's negative section would print "-+0.0%").</summary>
    private static double Shown(double error) => Math.Abs(error) < 0.0005 ? 0 : error;
}
