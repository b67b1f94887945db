namespace NetPerf.Reporting.K8sNetperf;

/// <summary>
/// One k8s-netperf result (its result.Data in pkg/results/result.go): a test as run, hostNetwork or pod network,
/// with one figure per sample for throughput, p99 latency, TCP retransmissions and UDP loss.
/// </summary>
public sealed record K8sNetperfRow
{
    public string Driver { get; init; } = "netperf";
    public required string Profile { get; init; }
    public required bool SameNode { get; init; }
    public required bool HostNetwork { get; init; }
    public required bool Service { get; init; }

    /// <summary>k8s-netperf's ExternalServer: the server was an address outside the cluster (its --serverIP), no server pod.</summary>
    public bool ExternalServer { get; init; }
    public required int Duration { get; init; }
    public required int Parallelism { get; init; }
    public required int Samples { get; init; }
    public required int MessageSize { get; init; }
    public required int Burst { get; init; }
    public required string Metric { get; init; }
    public required IReadOnlyList<double> Throughput { get; init; }
    public required IReadOnlyList<double> Latency99 { get; init; }
    public required IReadOnlyList<double> Retransmits { get; init; }
    public required IReadOnlyList<double> LossPercent { get; init; }
    public required string ClientNode { get; init; }
    public required string ServerNode { get; init; }
    public required int Nodes { get; init; }
    public required string Cni { get; init; }
    public required int Mtu { get; init; }

    /// <summary>result.ConfidenceInterval(ThroughputSummary, 0.95) when there is more than one sample, else 0 and 0 (archive.go's commonCsvDataFields and BuildDocs).</summary>
    public required double ConfidenceLow { get; init; }
    public required double ConfidenceHigh { get; init; }
}
