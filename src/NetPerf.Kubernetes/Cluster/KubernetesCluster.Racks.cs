using NetPerf.Kubernetes.Fabric;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Cluster;

public sealed partial class KubernetesCluster
{
    private static void CheckRacks(ClusterOptions options)
    {
        int maxRacks = RackAddressing.MaxRacks(options.NodeSubnet);
        if (options.Racks < 1 || (options.Racks > 1 && options.Racks > maxRacks))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Racks,
                $"racks must be 1 (one switch) or 2 to {maxRacks}: {options.NodeSubnet} numbers a /24 a rack after the fabric's links and before the outside segment.");
        }

        if (options.Spines < 1 || options.Spines > RackAddressing.MaxSpines || (options.Spines > 1 && options.Racks == 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Spines,
                $"spines must be 1 to {RackAddressing.MaxSpines}, and more than 1 only with racks (one switch has no spine).");
        }

        if (options.Racks > 1 && options.Nodes > options.Racks * RackAddressing.NodesPerRack)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Nodes,
                $"at most {options.Racks * RackAddressing.NodesPerRack} nodes on {options.Racks} racks: each rack's /24 holds {RackAddressing.NodesPerRack} nodes (.254 is its ToR router).");
        }
    }

    /// <summary>
    /// Node <paramref name="n"/>'s rack, address, subnet and gateway: on one switch the N-th address of
    /// <see cref="NodeSubnet"/> via <see cref="Gateway"/>; on racks, as the fabric's <see cref="RackAddressing"/> numbers them.
    /// </summary>
    private (int Rack, Ipv4Address Ip, Ipv4Prefix Subnet, Ipv4Address Gateway) NodeAddressing(int n)
    {
        if (Fabric is null)
        {
            return (1, NodeSubnet[(ulong)n], NodeSubnet, Gateway);
        }

        var racks = Fabric.Addressing;
        int rack = racks.RackOf(n);
        return (rack, racks.NodeAddress(n), racks.RackSubnet(rack), racks.Gateway(rack));
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
