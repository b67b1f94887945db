namespace NetPerf.Reporting;

/// <summary>
/// One row of cpu.csv: the kernel CPU one workload's packets cost on one node in one kernel stage (VethXmit,
/// BridgeForward, VxlanEncap, IptablesRule ...), per request and per payload byte.
/// </summary>
public sealed record CpuRow
{
    public required string Scenario { get; init; }
    public required string Variant { get; init; }
    public required string Path { get; init; }
    public required string Cni { get; init; }
    public required string KubeProxy { get; init; }
    public required string Workload { get; init; }

    /// <summary>The node (or external host) the CPU was spent on.</summary>
    public required string Node { get; init; }

    public required string Stage { get; init; }
    public required double NanosecondsPerRequest { get; init; }
    public required double NanosecondsPerByte { get; init; }
}
