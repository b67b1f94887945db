using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.TypeConversion;
using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Cli.Diff;

/// <summary>
/// One run folder as <c>netperf diff</c> reads it: summary.csv's rows (through the reporting layer's own reader, so
/// the format has one definition) and, from run.json when it is there, how many replications the run made.
/// </summary>
public sealed record RunSummary(string Folder, IReadOnlyList<SummaryRow> Rows, int? Replications)
{
    /// <summary>Larger than any summary.csv a scenario's caps allow; a bigger file is not a summary and is not read into memory.</summary>
    public const long MaxBytes = 64L << 20;

    public IReadOnlyList<string> Scenarios => Rows.Select(r => r.Scenario).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>Reads <paramref name="folder"/>; on any problem writes what is wrong with which file to <paramref name="error"/> and returns null.</summary>
    public static RunSummary? Load(string folder, TextWriter error)
    {
        string shown = Printable.Quote(Printable.Escape(folder));
        if (!Directory.Exists(folder))
        {
            error.WriteLine(File.Exists(folder)
                ? $"netperf diff: {shown} is a file, not a run folder (results/<scenario>/<run>/, holding {CsvResults.SummaryFile})."
                : $"netperf diff: {shown}: no such run folder (results/<scenario>/<run>/, holding {CsvResults.SummaryFile}).");
            return null;
        }

        string path = Path.Combine(folder, CsvResults.SummaryFile);
        string file = Printable.Quote(Printable.Escape(path));
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            error.WriteLine($"netperf diff: {shown} is not a run folder: it has no {CsvResults.SummaryFile} file.");
            return null;
        }

        // A FIFO or device reports length 0 as well: refused here before anything opens (and blocks on) it.
        if (info.Length == 0)
        {
            error.WriteLine($"netperf diff: {file} is empty (no header row), or not a regular file.");
            return null;
        }

        if (info.Length > MaxBytes)
        {
            error.WriteLine($"netperf diff: {file} is {info.Length:N0} bytes, more than a summary can be ({MaxBytes:N0}); not read.");
            return null;
        }

        var rows = Read(path, file, error);
        if (rows is null || !Unique(rows, file, error))
        {
            return null;
        }

        return new RunSummary(folder, rows, ReadReplications(folder));
    }

    private static IReadOnlyList<SummaryRow>? Read(string path, string file, TextWriter error)
    {
        try
        {
            return CsvResults.ReadSummary(path);
        }
        catch (HeaderValidationException e)
        {
            var missing = e.InvalidHeaders.SelectMany(h => h.Names).Distinct();
            error.WriteLine($"netperf diff: {file}: not a summary.csv: missing column(s) {string.Join(", ", missing)}.");
        }
        catch (TypeConverterException e)
        {
            string column = e.MemberMapData?.Names.FirstOrDefault() ?? "?";
            error.WriteLine($"netperf diff: {file}: line {Line(e)}, column {column}: {Printable.Quote(Printable.Escape(e.Text ?? ""))} is not a value of that column.");
        }
        catch (CsvHelperException e)
        {
            // CsvHelper's own message quotes the raw record: not echoed, the file's bytes are not ours to print.
            error.WriteLine($"netperf diff: {file}: line {Line(e)}: malformed CSV (a stray quote, or a row with fewer cells than the header).");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"netperf diff: {file} cannot be read: {Printable.Escape(e.Message)}");
        }

        return null;
    }

    private static string Line(CsvHelperException e) =>
        e.Context?.Parser is { } p ? p.RawRow.ToString(CultureInfo.InvariantCulture) : "?";

    /// <summary>Two rows with one key would make the match ambiguous: a summary.csv never has them.</summary>
    private static bool Unique(IReadOnlyList<SummaryRow> rows, string file, TextWriter error)
    {
        var seen = new Dictionary<RowKey, int>();
        for (int i = 0; i < rows.Count; i++)
        {
            var key = RowKey.Of(rows[i]);
            if (seen.TryGetValue(key, out int first))
            {
                // Data rows are numbered as lines: the header is line 1.
                error.WriteLine($"netperf diff: {file}: line {i + 2} repeats line {first + 2} (variant, path, workload, metric {Printable.Escape(key.ToString())}).");
                return false;
            }

            seen[key] = i;
        }

        return true;
    }

    /// <summary>run.json's replications, or null when it is absent or unreadable: summary.csv is the contract, run.json only sharpens the latency test.</summary>
    private static int? ReadReplications(string folder)
    {
        string path = Path.Combine(folder, "run.json");
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length == 0 || info.Length > MaxBytes)
            {
                return null;
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                   && doc.RootElement.TryGetProperty("replications", out var r) && r.TryGetInt32(out int n) && n >= 1 ? n : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
