namespace NetPerf.Reporting;

/// <summary>One row of samples.csv (written only when asked for): one request's latency, in completion order.</summary>
public sealed record SampleRow
{
    public required string Variant { get; init; }
    public required string Path { get; init; }
    public required string Workload { get; init; }
    public required int Replication { get; init; }
    public required long Index { get; init; }
    public required double LatencyMicroseconds { get; init; }
}
