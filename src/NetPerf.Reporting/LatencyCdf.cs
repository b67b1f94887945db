namespace NetPerf.Reporting;

/// <summary>
/// The latency distribution of one workload on one path in one variant, as (percentile, microseconds) points
/// from its histogram, ascending: what the CDF plots draw, one line per CNI. Percentiles run from 0 to 100
/// (99.9, not 0.999).
/// </summary>
public sealed record LatencyCdf(string Variant, string Path, string Cni, string KubeProxy, string Workload,
    IReadOnlyList<(double Percentile, double Microseconds)> Points);
