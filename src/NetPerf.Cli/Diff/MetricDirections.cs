namespace NetPerf.Cli.Diff;

/// <summary>
/// The one place that says which way each summary.csv metric gets worse. A metric missing here is
/// <see cref="MetricDirection.Neutral"/>: a new metric shows in the table but cannot fail a gate until someone
/// decides its direction here, rather than being guessed from its name.
/// </summary>
public static class MetricDirections
{
    private static readonly Dictionary<string, MetricDirection> ByMetric = new(StringComparer.Ordinal)
    {
        ["latency"] = MetricDirection.LowerIsBetter,
        ["cpu_per_request"] = MetricDirection.LowerIsBetter,
        ["cpu_per_byte"] = MetricDirection.LowerIsBetter,
        ["lost"] = MetricDirection.LowerIsBetter,
        ["late"] = MetricDirection.LowerIsBetter, // answers after the client gave up: the server fell behind
        ["dns_lookup"] = MetricDirection.LowerIsBetter,
        ["throughput"] = MetricDirection.HigherIsBetter, // transactions per second
        ["goodput"] = MetricDirection.HigherIsBetter,
        ["dns_queries"] = MetricDirection.Neutral, // how many queries a lookup sent: a property of the resolver's search path
    };

    public static MetricDirection Of(string metric) => ByMetric.GetValueOrDefault(metric, MetricDirection.Neutral);
}
