using NetPerf.Engine.Time;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// What a <see cref="BgpExperiment"/> measured, flat so that it becomes one CSV row. Message counts are BGP
/// messages (not TCP segments); "Initial" counts are those sent before the first churn (or the run's end).
/// Times after churn are measured from the churn event; null where the event did not happen or the state was
/// never reached.
/// </summary>
public sealed record BgpConvergenceResult
{
    public int Nodes { get; init; }
    public string Topology { get; init; } = "";
    public int Reflectors { get; init; }
    public SimTime Hold { get; init; }
    public SimTime Keepalive { get; init; }
    public ulong Seed { get; init; }

    /// <summary>Established sessions just before the first churn (or at the end).</summary>
    public int Sessions { get; init; }

    /// <summary>From start until every node had every other node's block route.</summary>
    public SimTime? InitialConvergence { get; init; }

    public long InitialOpens { get; init; }
    public long InitialUpdates { get; init; }
    public long InitialKeepalives { get; init; }
    public long InitialBytes { get; init; }

    public long Opens { get; init; }
    public long Updates { get; init; }
    public long Withdrawals { get; init; }
    public long Keepalives { get; init; }
    public long Notifications { get; init; }
    public long BytesSent { get; init; }

    /// <summary>The node that failed hard, if one did.</summary>
    public int? FailedNode { get; init; }

    /// <summary>Live nodes that had the failed node's block route when it failed.</summary>
    public int PeersOfFailedNode { get; init; }

    /// <summary>Of those, how many removed it before the run ended.</summary>
    public int PeersWithdrawn { get; init; }

    /// <summary>From the failure until the first node removed the failed node's block route.</summary>
    public SimTime? WithdrawnFirst { get; init; }

    /// <summary>From the failure until the last node removed it: the failure's convergence time.</summary>
    public SimTime? WithdrawnLast { get; init; }

    /// <summary>The node that joined, if one did.</summary>
    public int? JoinedNode { get; init; }

    /// <summary>From the join until every other live node had a route to the new node's block.</summary>
    public SimTime? JoinReachableFromAll { get; init; }

    /// <summary>From the join until the new node had a route to every other live node's block.</summary>
    public SimTime? JoinLearnedAll { get; init; }
}
