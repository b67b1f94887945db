using System.Globalization;
using CsvHelper;
using NetPerf.Calibration.Fit;

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

    public static void WriteMeasurements(TextWriter text, CalibrationOutcome outcome) => WriteMeasurements(text, outcome.Measurements, outcome.MeasuredOn);

    /// <summary>The probe runs as measured (also when the fit failed after them, so that a refit can use them).</summary>
    public static void WriteMeasurements(TextWriter text, IReadOnlyList<PathMeasurement> measurements, MeasuredOn on)
    {
        using var csv = new CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var h in new[] { "path", "round", "transactions", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "mean_ns", "busy_ns", "steal_ns", "wall_ns", "client_user_ns", "server_user_ns", "client_sys_ns", "server_sys_ns", "cpu_from", "machine", "backend", "message_bytes", "rounds", "rejected_rounds" })
        {
            csv.WriteField(h);
        }

        csv.NextRecord();
        foreach (var m in measurements)
        {
            for (int i = 0; i < m.Rounds.Count; i++)
            {
                var r = m.Rounds[i];
                csv.WriteField(m.Path.Name);
                csv.WriteField(i + 1);
                foreach (var x in new[] { r.Transactions, r.P50Ns, r.P90Ns, r.P99Ns, r.P999Ns, r.MeanNs, r.BusyNs, r.StealNs, r.WallNs, r.ClientUserNs, r.ServerUserNs, r.ClientSystemNs, r.ServerSystemNs })
                {
                    csv.WriteField(x.ToString("0", CultureInfo.InvariantCulture));
                }

                csv.WriteField(r.FromProcStat ? "proc-stat" : "rusage"); // where its CPU per transaction came from
                // Where and how it was measured, on every row (a file cut or concatenated keeps it).
                csv.WriteField(on.Machine);
                csv.WriteField(on.Backend.ToString().ToLowerInvariant());
                csv.WriteField(on.MessageBytes);
                csv.WriteField(on.Rounds);
                csv.WriteField(on.RejectedRounds);

                csv.NextRecord();
            }
        }
    }

    /// <summary>Where and how the file was measured (optional: files written before they were added lack them; all or none are read).</summary>
    private static readonly string[] ProvenanceColumns = ["machine", "backend", "message_bytes", "rounds", "rejected_rounds"];

    /// <summary>The columns <see cref="ReadMeasurements"/> needs (the two system-time columns are optional: files written before they were added lack them).</summary>
    private static readonly string[] Required = ["path", "round", "transactions", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "mean_ns", "busy_ns", "steal_ns", "wall_ns", "client_user_ns", "server_user_ns"];

    /// <summary>
    /// A stored calibration's probe runs (its measurements.csv) as the paths they measured, for a fit without
    /// measuring again (<c>calibrate --refit</c>). Every row's path must be one of <paramref name="paths"/>; a
    /// path with no rows is absent from the result. Without the system-time columns, CPU per transaction is the
    /// pinned CPU's busy time from /proc/stat (10 ms ticks: coarser).
    /// </summary>
    public static (IReadOnlyList<Fit.PathMeasurement> Measurements, Fit.MeasuredOn? On) ReadMeasurements(string file, IReadOnlyList<Paths.CalibrationPath> paths)
    {
        Fit.MeasuredOn? on = null;
        string text;
        try
        {
            text = NetPerf.Engine.IO.BoundedFile.ReadText(file, 16 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CalibrationException($"{file}: cannot read it: {e.Message}");
        }

        var byName = paths.ToDictionary(p => p.Name);
        var rounds = new Dictionary<Paths.CalibrationPath, List<Probe.ProbeResult>>();
        using var reader = new StringReader(text);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        try
        {
            if (!csv.Read() || !csv.ReadHeader())
            {
                throw new CalibrationException($"{file}:1: empty; a calibration's measurements.csv starts with the header {string.Join(",", Required)}");
            }

            var missing = Required.Where(h => !csv.HeaderRecord!.Contains(h)).ToList();
            if (missing.Count > 0)
            {
                throw new CalibrationException($"{file}:1: no column {string.Join(", ", missing)}; a calibration's measurements.csv has {string.Join(",", Required)}");
            }

            bool sys = csv.HeaderRecord!.Contains("client_sys_ns") && csv.HeaderRecord.Contains("server_sys_ns");
            bool cpuFrom = csv.HeaderRecord.Contains("cpu_from");
            bool provenance = ProvenanceColumns.All(csv.HeaderRecord!.Contains);

            Fit.MeasuredOn ReadMeasuredOn(int line)
            {
                string machine = csv.GetField("machine") ?? "";
                if (machine.Length == 0)
                {
                    throw new CalibrationException($"{file}:{line}: machine is empty; calibrate writes the kernel, CPU and date there");
                }

                var backend = (csv.GetField("backend") ?? "") switch
                {
                    "nft" => Network.Netfilter.IptablesBackend.Nft,
                    "legacy" => Network.Netfilter.IptablesBackend.Legacy,
                    var other => throw new CalibrationException($"{file}:{line}: backend {Shown(other)} is neither nft nor legacy"),
                };
                int Count(string column, int min)
                {
                    string raw = csv.GetField(column) ?? "";
                    return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int x) && x >= min
                        ? x
                        : throw new CalibrationException($"{file}:{line}: {column} {Shown(raw)} is not a whole number of at least {min}");
                }

                int rounds = Count("rounds", 1), rejected = Count("rejected_rounds", 0);
                if (rejected >= rounds)
                {
                    throw new CalibrationException($"{file}:{line}: rejected_rounds {rejected} leaves none of {rounds} round(s) accepted");
                }

                return new Fit.MeasuredOn(machine, backend, Count("message_bytes", 1), rounds, rejected);
            }
            while (csv.Read())
            {
                int line = csv.Parser.RawRow;
                string name = csv.GetField("path") ?? "";
                if (!byName.TryGetValue(name, out var path))
                {
                    throw new CalibrationException($"{file}:{line}: path {Shown(name)} is not one calibrate measures for this scenario's plugins ({string.Join(", ", paths.Select(p => p.Name))})");
                }

                double F(string column)
                {
                    string raw = csv.GetField(column) ?? "";
                    // A stream has no percentiles: calibrate writes NaN there, and reads it back as such.
                    bool percentile = column is "p90_ns" or "p99_ns" or "p999_ns";
                    return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && ((double.IsFinite(x) && x >= 0) || (percentile && double.IsNaN(x)))
                        ? x
                        : throw new CalibrationException($"{file}:{line}: {column} {Shown(raw)} is not a non-negative number{(percentile ? " (or NaN, for a stream)" : "")}");
                }

                double n = F("transactions");
                if (n < 1)
                {
                    throw new CalibrationException($"{file}:{line}: transactions must be at least 1");
                }

                // Without the probes' system time, CPU comes from the pinned CPU's /proc/stat busy time, as on a kernel with IRQ time accounting.
                var result = new Probe.ProbeResult((long)n, F("p50_ns"), F("p90_ns"), F("p99_ns"), F("p999_ns"), F("mean_ns"), F("wall_ns"), F("busy_ns"), F("steal_ns"),
                    F("client_user_ns"), F("server_user_ns"), sys ? F("client_sys_ns") : 0, sys ? F("server_sys_ns") : 0) { FromProcStat = cpuFrom ? ProcStat(csv.GetField("cpu_from"), line) : !sys };
                if (!rounds.TryGetValue(path, out var list))
                {
                    rounds[path] = list = [];
                }

                list.Add(result);
                if (provenance)
                {
                    var row = ReadMeasuredOn(line);
                    if (on is not null && on != row)
                    {
                        throw new CalibrationException($"{file}:{line}: machine, backend, message size or rounds differ from the rows above: one measurements.csv holds one calibration");
                    }

                    on = row;
                }
            }
        }
        catch (CsvHelperException e)
        {
            throw new CalibrationException($"{file}:{e.Context?.Parser?.RawRow ?? 0}: not a CSV row calibrate wrote ({e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)})");
        }

        bool ProcStat(string? raw, int line) => raw switch
        {
            "proc-stat" => true,
            "rusage" => false,
            _ => throw new CalibrationException($"{file}:{line}: cpu_from {Shown(raw ?? "")} is neither proc-stat nor rusage"),
        };

        return (paths.Where(rounds.ContainsKey).Select(p => new Fit.PathMeasurement(p, rounds[p])).ToList(), on);
    }

    /// <summary>A value from the file as the scenario reader shows one: quoted, cut, control characters escaped.</summary>
    private static string Shown(string value) => Scenarios.Loading.Printable.Escape(Scenarios.Loading.Printable.Quote(value));
}
