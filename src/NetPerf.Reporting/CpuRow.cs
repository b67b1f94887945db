namespace NetPerf.Reporting;

/// <summary>
/// One row of cpu.csv: the CPU one workload's packets cost on one node in one stage (VethTransmit, BridgeForward,
/// VxlanEncapsulate, NetfilterRule ...), per request and per payload byte: the kernel's, or a user-space program's
/// for a stage <see cref="Plots.StageColours.IsUserSpace"/> names (Weave's weaver: SleeveEncapsulate, SleeveDecapsulate).
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
