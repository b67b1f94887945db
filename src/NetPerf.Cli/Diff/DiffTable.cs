using System.Globalization;

namespace NetPerf.Cli.Diff;

/// <summary>
/// <c>netperf diff</c>'s table: a line per matched row (A's mean, B's, B/A, Welch's p and whether it is
/// significant), then the rows only one run has. Widths come from the content, numbers from the invariant culture.
/// </summary>
internal static class DiffTable
{
    private static readonly string[] Header = ["variant", "path", "workload", "metric", "unit", "A mean", "B mean", "B/A", "p", "significant"];

    public static void Write(TextWriter o, RunDiff diff)
    {
        var lines = diff.Matched.Select(Cells).Prepend(Header).ToList();
        int[] widths = Enumerable.Range(0, Header.Length).Select(i => lines.Max(l => l[i].Length)).ToArray();
        foreach (var cells in lines)
        {
            // Text columns left-aligned, figures right-aligned.
            o.WriteLine(string.Join("  ", cells.Select((c, i) => i < 5 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        }

        Only(o, "A", diff.OnlyInA);
        Only(o, "B", diff.OnlyInB);
    }

    private static string[] Cells(DiffRow r) =>
    [
        r.Key.Variant, r.Key.Path, r.Key.Workload, r.Key.Metric, r.A.Unit,
        Num(r.A.Mean), Num(r.B.Mean), Ratio(r.Ratio),
        r.Welch is { } w ? P(w.P) : "-",
        r.Welch is { } v ? (v.Significant ? "yes" : "no") : "n/a (no interval)",
    ];

    private static void Only(TextWriter o, string side, IReadOnlyList<RowKey> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        o.WriteLine();
        o.WriteLine($"only in {side} ({keys.Count}):");
        foreach (var k in keys)
        {
            o.WriteLine($"  {k}");
        }
    }

    public static string Num(double v) => double.IsFinite(v) ? v.ToString("G6", CultureInfo.InvariantCulture) : "-";

    public static string Ratio(double r) => double.IsFinite(r) ? r.ToString("F3", CultureInfo.InvariantCulture) : "-";

    private static string P(double p) => p < 0.001 ? "<0.001" : p.ToString("F3", CultureInfo.InvariantCulture);
}
