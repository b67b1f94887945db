namespace NetPerf.Reporting;

/// <summary>
/// One tidy row of summary.csv: one metric of one workload on one communication path in one variant of the
/// scenario (a CNI plugin x kube-proxy mode x message size ...). Distribution metrics (latency) fill the
/// percentile columns; rates and costs leave them empty.
/// </summary>
public sealed record SummaryRow
{
    public required string Scenario { get; init; }

    /// <summary>The variant's name: its compare-block values joined, e.g. "calico-bgp/iptables/64B".</summary>
    public required string Variant { get; init; }

    /// <summary>The communication path: localhost, pod-same-node, pod-cross-node, cluster-ip, node-port, load-balancer, headless.</summary>
    public required string Path { get; init; }

    public required string Cni { get; init; }
    public required string KubeProxy { get; init; }
    public required string Workload { get; init; }

    /// <summary>TCP_RR, TCP_CRR, TCP_STREAM, UDP_RR or UDP_STREAM.</summary>
    public required string Test { get; init; }

    public required int RequestBytes { get; init; }
    public required int ResponseBytes { get; init; }

    /// <summary>latency, throughput, goodput, cpu_per_request, cpu_per_byte, lost.</summary>
    public required string Metric { get; init; }

    /// <summary>us, 1/s, Mbit/s, us, ns/B, requests.</summary>
    public required string Unit { get; init; }

    /// <summary>How many observations stand behind the figures (transactions for latency, replications for the rest).</summary>
    public required long Count { get; init; }

    public required double Mean { get; init; }

    /// <summary>Half-width of the mean's 95% confidence interval; null when there is not enough data for one.</summary>
    public double? Ci95 { get; init; }

    public double? P50 { get; init; }
    public double? P90 { get; init; }
    public double? P99 { get; init; }
    public double? P999 { get; init; }

    /// <summary>True when the run was stopped (Ctrl-C) before every replication of this row's simulations finished.</summary>
    public bool Partial { get; init; }
}
