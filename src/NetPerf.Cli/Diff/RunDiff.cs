using NetPerf.Reporting;

namespace NetPerf.Cli.Diff;

/// <summary>Two runs matched row by row (by <see cref="RowKey"/>), in key order so that the output is deterministic.</summary>
public sealed record RunDiff(IReadOnlyList<DiffRow> Matched, IReadOnlyList<RowKey> OnlyInA, IReadOnlyList<RowKey> OnlyInB)
{
    /// <summary>
    /// Fewest batches a single replication's latency interval is built from (BatchMeans keeps between 32 and 63):
    /// the smallest is the conservative count when run.json says there was one replication.
    /// </summary>
    public const int MinLatencyBatches = 32;

    public static RunDiff Of(RunSummary a, RunSummary b, IReadOnlySet<string>? metrics = null)
    {
        var rowsA = Keyed(a, metrics);
        var rowsB = Keyed(b, metrics);
        var matched = rowsA.Keys.Where(rowsB.ContainsKey).Order()
            .Select(k => Compare(k, rowsA[k], a.Replications, rowsB[k], b.Replications)).ToList();
        return new RunDiff(
            matched,
            rowsA.Keys.Where(k => !rowsB.ContainsKey(k)).Order().ToList(),
            rowsB.Keys.Where(k => !rowsA.ContainsKey(k)).Order().ToList());
    }

    private static Dictionary<RowKey, SummaryRow> Keyed(RunSummary run, IReadOnlySet<string>? metrics) =>
        run.Rows.Where(r => metrics is null || metrics.Contains(r.Metric)).ToDictionary(RowKey.Of);

    private static DiffRow Compare(RowKey key, SummaryRow a, int? replicationsA, SummaryRow b, int? replicationsB)
    {
        // 0 against 0 (nothing lost in either run) is no change; x against 0 has no finite ratio.
        double ratio = a.Mean == 0 && b.Mean == 0 ? 1 : b.Mean / a.Mean;
        return new DiffRow(key, a, b, ratio, Welch(a, replicationsA, b, replicationsB));
    }

    private static WelchResult? Welch(SummaryRow a, int? replicationsA, SummaryRow b, int? replicationsB)
    {
        long? na = IndependentValues(a, replicationsA);
        long? nb = IndependentValues(b, replicationsB);
        if (a.Ci95 is not { } ca || b.Ci95 is not { } cb || na is not >= 2 || nb is not >= 2
            || !double.IsFinite(a.Mean) || !double.IsFinite(b.Mean) || !double.IsFinite(ca) || !double.IsFinite(cb))
        {
            return null;
        }

        return WelchTest.FromMeans(a.Mean, WelchTest.StandardError(ca, na.Value), na.Value, b.Mean, WelchTest.StandardError(cb, nb.Value), nb.Value);
    }

    /// <summary>
    /// How many independent values the row's ci95 was built from. count is that for every metric but latency, whose
    /// count is transactions while its interval is across replications (or, with one, across batch means): there the
    /// replications come from run.json, and a folder without one falls back to count (the normal quantile, which
    /// understates the spread when there were few replications).
    /// </summary>
    public static long? IndependentValues(SummaryRow row, int? replications) => row.Metric switch
    {
        "latency" when replications >= 2 => replications,
        "latency" when replications == 1 => MinLatencyBatches,
        _ => row.Count,
    };
}
