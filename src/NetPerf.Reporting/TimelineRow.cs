namespace NetPerf.Reporting;

/// <summary>
/// One row of timeline.csv: something a scenario's timeline did, or that followed from it (a pod created, Ready,
/// terminating, sent SIGTERM or deleted; kube-proxy's sync started or its rules programmed), in one replication
/// of one variant, path and workload.
/// </summary>
public sealed record TimelineRow
{
    public required string Variant { get; init; }
    public required string Path { get; init; }
    public required string Workload { get; init; }
    public required int Replication { get; init; }

    /// <summary>When, in milliseconds after the warm-up (timeseries.csv's clock).</summary>
    public required double AtMilliseconds { get; init; }
    public required string Event { get; init; }

    /// <summary>What it happened to: a deployment, a pod, or the Services a sync wrote.</summary>
    public required string Object { get; init; }

    /// <summary>The events that are a timeline's own entries (the rest follow from them).</summary>
    public static readonly IReadOnlyList<string> Actions = ["roll", "scale", "deletePod", "drainNode", "uncordonNode", "failNode", "addNetworkPolicy", "removeNetworkPolicy", "addService", "removeService", "setExternalTrafficPolicy", "startWorkload", "stopWorkload"];
}
