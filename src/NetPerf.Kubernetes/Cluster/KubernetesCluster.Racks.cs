using NetPerf.Kubernetes.Fabric;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Cluster;

public sealed partial class KubernetesCluster
{
    private static void CheckRacks(ClusterOptions options)
    {
        if (options.Racks < 1 || options.Racks > RackAddressing.MaxRacks)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Racks,
                $"racks must be 1 (one switch) to {RackAddressing.MaxRacks}: rack R is 192.168.R.0/24 inside {DefaultNodeSubnet}.");
        }

        if (options.Spines < 1 || options.Spines > RackAddressing.MaxSpines || (options.Spines > 1 && options.Racks == 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Spines,
                $"spines must be 1 to {RackAddressing.MaxSpines}, and more than 1 only with racks (one switch has no spine).");
        }

        int max = RackAddressing.MaxNodes(options.Racks, MaxNodesIn(options.ClusterCidr, options.NodeCidrMaskSize));
        if (options.Nodes > max)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Nodes,
                $"at most {max} nodes on {options.Racks} racks: each rack's /24 holds {RackAddressing.NodesPerRack} nodes (.254 is its ToR router).");
        }
    }

    /// <summary>
    /// Node <paramref name="n"/>'s rack, address, subnet and gateway: on one switch 192.168.0.N in
    /// <see cref="NodeSubnet"/> via <see cref="Gateway"/>; on racks, as <see cref="RackAddressing"/> numbers them.
    /// </summary>
    private (int Rack, Ipv4Address Ip, Ipv4Prefix Subnet, Ipv4Address Gateway) NodeAddressing(int n)
    {
        if (Fabric is null)
        {
            return (1, NodeSubnet[(ulong)n], NodeSubnet, Gateway);
        }

        int rack = RackAddressing.RackOf(n, Options.Racks);
        return (rack, RackAddressing.NodeAddress(n, Options.Racks), RackAddressing.RackSubnet(rack), RackAddressing.Gateway(rack));
    }

    /// <summary>A range the node took later (a further Calico block), if the plugin has the fabric route it.</summary>
    private void AnnounceToFabric(Node node, Ipv4Prefix range)
    {
        if (Fabric is not null && Cni.AnnouncedToFabric(node).Contains(range))
        {
            Fabric.Announce(range, node.Rack, node.Ip);
        }
    }

    /// <summary>The prefixes the CNI plugin has the node announce to its rack's router, routed by the fabric.</summary>
    private void AnnounceToFabric(Node node)
    {
        if (Fabric is null)
        {
            return;
        }

        foreach (var prefix in Cni.AnnouncedToFabric(node))
        {
            Fabric.Announce(prefix, node.Rack, node.Ip);
        }
    }
}
