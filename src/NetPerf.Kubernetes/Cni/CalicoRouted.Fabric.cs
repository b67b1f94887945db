using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Cni;

/// <summary>Calico across racks: what the fabric must route, and what is refused.</summary>
public sealed partial class CalicoRouted
{
    /// <summary>
    /// Without encapsulation the fabric carries pod addresses, so each of a node's blocks is announced to its ToR, as
    /// Calico's BGP peering with top-of-rack routers does (the "AS per rack" design). Only the converged routes
    /// are modelled (<see cref="CalicoRouting.Static"/>); an encapsulating pool needs nothing of the fabric.
    /// </summary>
    public override IEnumerable<Ipv4Prefix> AnnouncedToFabric(Node node) =>
        Encapsulation == CalicoEncapsulation.None ? Blocks(node) : [];

    /// <summary>
    /// Unencapsulated routing learned over BGP across routed racks needs the top-of-rack routers to run BGP
    /// speakers and peer with the nodes, which is not modelled: refused rather than left with blackholed blocks.
    /// </summary>
    private void RefuseBgpAcrossRacks(IReadOnlyList<Node> nodes)
    {
        if (Routing != CalicoRouting.Bgp || Encapsulation != CalicoEncapsulation.None || nodes.Count == 0)
        {
            return;
        }

        var other = nodes.FirstOrDefault(n => !nodes[0].SharesSubnetWith(n));
        if (other is not null)
        {
            throw new NotSupportedException(
                $"calico-bgp with CalicoRouting.Bgp cannot route across racks: {nodes[0].Name} ({nodes[0].Subnet}) and {other.Name} ({other.Subnet}) " +
                "are on different subnets, so the top-of-rack routers would have to peer over BGP, and they run no BGP speaker here. " +
                "Use CalicoRouting.Static (the ToRs then hold each block's converged route), or calico-ipip-crosssubnet.");
        }
    }
}
