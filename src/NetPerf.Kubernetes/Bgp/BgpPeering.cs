namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// How a Calico cluster's BIRD speakers peer, in numbers: the node-to-node mesh (BGPConfiguration
/// nodeToNodeMeshEnabled, Calico's default), where every node peers with every other, or route reflectors (the mesh
/// off, <see cref="Reflectors"/> nodes sharing one cluster ID and peering with each other and with every other node,
/// each of those a client of every reflector; RFC 4456). The sessions are what <see cref="BgpControlPlane"/> brings
/// up; what a reflector reflects keeps the originating node as its next hop (RFC 4456 section 10 leaves NEXT_HOP
/// alone), so the routes a node installs are the mesh's.
/// </summary>
public readonly record struct BgpPeering(BgpTopology Topology, int Reflectors)
{
    public static BgpPeering Mesh => new(BgpTopology.FullMesh, 0);

    public static BgpPeering Reflected(int reflectors) => new(BgpTopology.RouteReflectors, reflectors);

    /// <summary>
    /// Sessions among <paramref name="nodes"/> nodes: n(n-1)/2 in the mesh (12,497,500 at 5,000 nodes); with r
    /// reflectors r(r-1)/2 between them and r(n-r) to their clients (9,997 at 5,000 nodes and two reflectors).
    /// </summary>
    public long Sessions(long nodes) => Topology == BgpTopology.FullMesh
        ? nodes * (nodes - 1) / 2
        : ((long)Reflectors * (Reflectors - 1) / 2) + ((long)Reflectors * (nodes - Reflectors));

    /// <summary>Peers of a node that is not a reflector: every other node in the mesh, the reflectors otherwise.</summary>
    public long PeersPerNode(long nodes) => Topology == BgpTopology.FullMesh ? nodes - 1 : Reflectors;

    /// <summary>In words, for a message: "the node-to-node mesh" or "2 route reflectors".</summary>
    public override string ToString() => Topology == BgpTopology.FullMesh ? "the node-to-node mesh" : $"{Reflectors} route reflector{(Reflectors == 1 ? "" : "s")}";
}
