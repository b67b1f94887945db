using NetPerf.Reporting;

namespace NetPerf.Cli.Diff;

/// <summary>One figure in both runs: the two rows, B/A, and the Welch test when both rows have an interval.</summary>
public sealed record DiffRow(RowKey Key, SummaryRow A, SummaryRow B, double Ratio, WelchResult? Welch)
{
    public MetricDirection Direction => MetricDirections.Of(Key.Metric);

    /// <summary>
    /// How much worse B is than A as a fraction (0.1 = 10% worse), in the metric's own direction; 0 or less when B is
    /// as good or better, or when the metric has no direction or no ratio.
    /// </summary>
    public double Worsening => !double.IsNaN(Ratio) ? Direction switch
    {
        MetricDirection.LowerIsBetter => Ratio - 1,
        MetricDirection.HigherIsBetter => 1 - Ratio,
        _ => 0,
    } : 0;

    /// <summary>
    /// Worse by more than <paramref name="threshold"/> and significant. A row without an interval on either side
    /// (one replication) cannot be tested, and is judged by the size of the change alone: a regression gate that let
    /// every untestable change through would pass anything run once.
    /// </summary>
    public bool RegressedBeyond(double threshold) => Worsening > threshold && (Welch?.Significant ?? true);
}
