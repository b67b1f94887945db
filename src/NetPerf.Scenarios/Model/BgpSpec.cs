using NetPerf.Engine.Time;

namespace NetPerf.Scenarios.Model;

/// <summary>
/// BGP convergence experiments on Calico clusters: every node count x peering topology is a variant, put
/// through the churn given (a node failing hard, a node joining), each a simulation of its own.
/// </summary>
public sealed record BgpSpec
{
    public IReadOnlyList<int> Nodes { get; init; } = [10];

    /// <summary>full-mesh and/or route-reflectors.</summary>
    public IReadOnlyList<string> Topologies { get; init; } = ["full-mesh", "route-reflectors"];

    public int Reflectors { get; init; } = 2;

    /// <summary>The hold time (keepalives every third of it); null keeps Calico's (BIRD's 240 s).</summary>
    public SimTime? Hold { get; init; }

    /// <summary>calico-ipip's routes (via tunl0) instead of calico-bgp's.</summary>
    public bool Ipip { get; init; }

    /// <summary>The node (1-based) that fails hard at <see cref="FailAt"/>, or none.</summary>
    public int? FailNode { get; init; }

    public SimTime FailAt { get; init; } = SimTime.FromSeconds(30);

    /// <summary>When a new node joins, or null for no join.</summary>
    public SimTime? JoinAt { get; init; }
}
