using NetPerf.Kubernetes.Bgp;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>One BGP convergence experiment of a scenario: a node count, a peering topology, a replication.</summary>
public sealed record BgpUnit(int Index, int Nodes, string Topology, int Replication)
{
    public string Variant => $"{Topology}/{Nodes}";
    public string Label => $"bgp {Variant}{(Replication > 0 ? $" #{Replication + 1}" : "")}";

    public BgpExperiment Experiment(BgpSpec spec, ulong seed) => new()
    {
        Nodes = Nodes,
        Topology = Topology == "full-mesh" ? BgpTopology.FullMesh : BgpTopology.RouteReflectors,
        Reflectors = spec.Reflectors,
        Timers = spec.Hold is { } hold ? BgpTimers.WithHold(hold) : BgpTimers.Calico,
        Ipip = spec.Ipip,
        FailNode = spec.FailNode,
        FailAt = spec.FailAt,
        JoinNode = spec.JoinAt is not null,
        JoinAt = spec.JoinAt ?? spec.FailAt,
        Seed = seed,
    };

    public static IReadOnlyList<BgpUnit> Of(Scenario scenario, int replications)
    {
        var units = new List<BgpUnit>();
        if (scenario.Bgp is { } spec)
        {
            foreach (var topology in spec.Topologies)
            {
                foreach (var nodes in spec.Nodes)
                {
                    for (int r = 0; r < replications; r++)
                    {
                        units.Add(new BgpUnit(units.Count, nodes, topology, r));
                    }
                }
            }
        }

        return units;
    }
}

/// <summary>What one BGP experiment measured.</summary>
public sealed record BgpUnitResult(BgpUnit Unit, BgpConvergenceResult Result);
