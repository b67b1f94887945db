using System.Globalization;
using CsvHelper;

namespace NetPerf.Calibration;

/// <summary>calibration.csv (one row per path and figure: measured, predicted, error, the rounds' spread, fitted or held out) and measurements.csv (every probe run).</summary>
public static class CalibrationCsv
{
    public static void Write(TextWriter text, CalibrationOutcome outcome)
    {
        using var csv = new CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var h in new[] { "path", "role", "metric", "measured", "predicted", "error", "round_spread" })
        {
            csv.WriteField(h);
        }

        csv.NextRecord();
        foreach (var (r, role) in outcome.Rows.Concat(outcome.Ratios).Select(r => (r, r.Role == Paths.PathRole.Fit ? "fit" : "held-out"))
            .Concat(outcome.ShippedProfileRows.Select(r => (r, "shipped-profile"))))
        {
            csv.WriteField(r.Path);
            csv.WriteField(role);
            csv.WriteField(r.Metric);
            csv.WriteField(r.Measured.ToString("0.000", CultureInfo.InvariantCulture));
            csv.WriteField(r.Predicted.ToString("0.000", CultureInfo.InvariantCulture));
            csv.WriteField(r.Error.ToString("0.0000", CultureInfo.InvariantCulture));
            csv.WriteField(r.RoundSpread.ToString("0.0000", CultureInfo.InvariantCulture));
            csv.NextRecord();
        }
    }

    public static void WriteMeasurements(TextWriter text, CalibrationOutcome outcome)
    {
        using var csv = new CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var h in new[] { "path", "round", "transactions", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "mean_ns", "busy_ns", "steal_ns", "wall_ns", "client_user_ns", "server_user_ns" })
        {
            csv.WriteField(h);
        }

        csv.NextRecord();
        foreach (var m in outcome.Measurements)
        {
            for (int i = 0; i < m.Rounds.Count; i++)
            {
                var r = m.Rounds[i];
                csv.WriteField(m.Path.Name);
                csv.WriteField(i + 1);
                foreach (var x in new[] { r.Transactions, r.P50Ns, r.P90Ns, r.P99Ns, r.P999Ns, r.MeanNs, r.BusyNs, r.StealNs, r.WallNs, r.ClientUserNs, r.ServerUserNs })
                {
                    csv.WriteField(x.ToString("0", CultureInfo.InvariantCulture));
                }

                csv.NextRecord();
            }
        }
    }
}
