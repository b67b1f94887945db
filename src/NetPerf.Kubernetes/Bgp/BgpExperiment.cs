using NetPerf.Engine.Time;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// A BGP convergence experiment on a Calico cluster: nodes, peering, timers, and the churn to apply (a node
/// failing hard at <see cref="FailAt"/>, a node joining at <see cref="JoinAt"/>). Run it with
/// <see cref="BgpConvergence.Run"/>.
/// </summary>
public sealed record BgpExperiment
{
    public int Nodes { get; init; } = 5;
    public BgpTopology Topology { get; init; } = BgpTopology.FullMesh;

    /// <summary>Route reflectors (the first nodes) when <see cref="Topology"/> is <see cref="BgpTopology.RouteReflectors"/>.</summary>
    public int Reflectors { get; init; } = 2;

    public BgpTimers Timers { get; init; } = BgpTimers.Calico;

    /// <summary>calico-ipip (block routes via tunl0 onlink) instead of calico-bgp (via eth0).</summary>
    public bool Ipip { get; init; }

    /// <summary>The node (1-based) that fails hard, or null for none.</summary>
    public int? FailNode { get; init; }

    public SimTime FailAt { get; init; } = SimTime.FromSeconds(30);

    /// <summary>Whether a new node joins at <see cref="JoinAt"/>.</summary>
    public bool JoinNode { get; init; }

    public SimTime JoinAt { get; init; } = SimTime.FromSeconds(30);

    /// <summary>How long to run; null runs until the last churn plus a hold time, a connect delay and 10 s.</summary>
    public SimTime? Duration { get; init; }

    public ulong Seed { get; init; } = 1;
}
