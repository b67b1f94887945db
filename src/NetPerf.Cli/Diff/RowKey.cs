namespace NetPerf.Cli.Diff;

/// <summary>What makes two summary.csv rows of different runs the same figure: variant, path, workload, metric.</summary>
public readonly record struct RowKey(string Variant, string Path, string Workload, string Metric) : IComparable<RowKey>
{
    /// <summary>Ordinal, field by field: the table's order must not depend on the machine's culture.</summary>
    public int CompareTo(RowKey other)
    {
        int c = string.CompareOrdinal(Variant, other.Variant);
        c = c != 0 ? c : string.CompareOrdinal(Path, other.Path);
        c = c != 0 ? c : string.CompareOrdinal(Workload, other.Workload);
        return c != 0 ? c : string.CompareOrdinal(Metric, other.Metric);
    }

    public static RowKey Of(Reporting.SummaryRow r) => new(r.Variant, r.Path, r.Workload, r.Metric);

    public override string ToString() => $"{Variant} {Path} {Workload} {Metric}";
}
