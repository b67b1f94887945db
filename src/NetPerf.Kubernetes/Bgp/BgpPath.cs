using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// One path to a prefix as a speaker holds it: the attributes that matter inside one AS (NEXT_HOP, and the
/// route reflection attributes ORIGINATOR_ID and CLUSTER_LIST of RFC 4456), and the session it came over
/// (null for the speaker's own block). ORIGIN, AS_PATH (empty in iBGP) and LOCAL_PREF (100) are the same for
/// every path here, so they are counted in the UPDATE's size but not carried.
/// </summary>
public sealed class BgpPath(Ipv4Prefix prefix, Ipv4Address nextHop, uint originatorId, uint[] clusterList, BgpSession? from)
{
    public Ipv4Prefix Prefix { get; } = prefix;
    public Ipv4Address NextHop { get; } = nextHop;

    /// <summary>ORIGINATOR_ID: the router id of the speaker that first put the path into the AS; 0 if absent.</summary>
    public uint OriginatorId { get; } = originatorId;

    /// <summary>CLUSTER_LIST: the clusters the path was reflected through, most recent first.</summary>
    public IReadOnlyList<uint> ClusterList { get; } = clusterList;

    /// <summary>The session the path was learned on; null for a block this speaker originates.</summary>
    public BgpSession? From { get; } = from;

    /// <summary>Whether two paths would be announced with the same attributes (no UPDATE needed to move from one to the other).</summary>
    public bool SameAttributes(BgpPath other) =>
        NextHop == other.NextHop && OriginatorId == other.OriginatorId && ClusterList.SequenceEqual(other.ClusterList);

    public override string ToString() => $"{Prefix} via {NextHop}" + (ClusterList.Count > 0 ? $" (reflected {ClusterList.Count}x)" : "");
}
