namespace NetPerf.Kubernetes.Bgp;

/// <summary>How Calico's speakers peer (BGPConfiguration nodeToNodeMeshEnabled, or BGPPeers to route reflectors).</summary>
public enum BgpTopology
{
    /// <summary>Calico's default node-to-node mesh: every node peers with every other, n(n-1)/2 sessions.</summary>
    FullMesh,

    /// <summary>
    /// The mesh is off; the first nodes are route reflectors (RFC 4456) sharing one cluster ID, peering with each
    /// other as ordinary iBGP peers, and every other node is a client of each reflector.
    /// </summary>
    RouteReflectors,
}
