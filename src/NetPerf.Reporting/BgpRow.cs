namespace NetPerf.Reporting;

/// <summary>
/// One row of bgp.csv: one BGP convergence experiment (a node count x peering topology x replication): its
/// sessions, the messages it took to converge, and how long the churn it was put through took to settle.
/// Times are milliseconds from the event; empty where the event did not happen or never settled.
/// </summary>
public sealed record BgpRow
{
    public required string Scenario { get; init; }

    /// <summary>"full-mesh/10" or "route-reflectors/10": topology and node count.</summary>
    public required string Variant { get; init; }

    public required int Nodes { get; init; }
    public required string Topology { get; init; }
    public required int Reflectors { get; init; }
    public required int Replication { get; init; }
    public required double HoldSeconds { get; init; }
    public required double KeepaliveSeconds { get; init; }
    public required int Sessions { get; init; }
    public double? InitialConvergenceMs { get; init; }
    public required long InitialOpens { get; init; }
    public required long InitialUpdates { get; init; }
    public required long InitialKeepalives { get; init; }
    public required long InitialBytes { get; init; }
    public required long Updates { get; init; }
    public required long Withdrawals { get; init; }
    public required long Keepalives { get; init; }
    public required long Notifications { get; init; }
    public required long BytesSent { get; init; }
    public int? FailedNode { get; init; }
    public required int PeersOfFailedNode { get; init; }
    public required int PeersWithdrawn { get; init; }
    public double? WithdrawnFirstMs { get; init; }
    public double? WithdrawnLastMs { get; init; }
    public int? JoinedNode { get; init; }
    public double? JoinReachableFromAllMs { get; init; }
    public double? JoinLearnedAllMs { get; init; }
}
