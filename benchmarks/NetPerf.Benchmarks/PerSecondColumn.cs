using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace NetPerf.Benchmarks;

/// <summary>
/// Operations per wall-clock second, from the median time per operation. Benchmarks here set
/// OperationsPerInvoke to the number of events (or packet-hops) they run, so BenchmarkDotNet's per-operation
/// statistics are per event (or per hop).
/// </summary>
public sealed class PerSecondColumn(string unit) : IColumn
{
    public string Id => nameof(PerSecondColumn) + unit;
    public string ColumnName => $"{unit}/s (median)";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{unit} per second of wall-clock time: 1 s / median time per operation";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        return stats is null || stats.Median <= 0
            ? "NA"
            : (1e9 / stats.Median).ToString("N0", CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
