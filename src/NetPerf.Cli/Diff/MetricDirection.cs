namespace NetPerf.Cli.Diff;

/// <summary>Which way a metric gets worse: what <c>netperf diff --fail-above</c> counts as a regression.</summary>
public enum MetricDirection
{
    /// <summary>A rise is a regression (latency, CPU, loss).</summary>
    LowerIsBetter,

    /// <summary>A fall is a regression (throughput, goodput).</summary>
    HigherIsBetter,

    /// <summary>Neither way is worse (a count that describes the run, not its quality): never gates.</summary>
    Neutral,
}
