using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// How a fabric of racks is numbered inside the cluster's node subnet (cluster.nodeSubnet), so that it never meets
/// the pod or Service ranges, counted in /24s of the subnet: the first holds the point-to-point links between the
/// ToRs and the spines (more when there are more than 15 racks), then one /24 a rack, and the last /24 is the outside
/// segment on the first spine, where external hosts sit (the addresses they have on a single switch, .1 on, gateway
/// .254). In the default 192.168.0.0/20 that is rack R at 192.168.R.0/24, links in 192.168.0.0/24 and the outside
/// segment 192.168.15.0/24, as before the subnet could be widened; a /19 numbers 29 racks (7,337 nodes).
/// <para>
/// A rack's /24 has its top-of-rack router at .254 and its nodes from .1 (253 a rack: a leaf's subnet as an L3
/// fabric gives each rack one). The link between ToR R and spine S is a /31 (RFC 3021), the spine holding the even
/// address and the ToR the odd one: in links /24 number R div 16, at .(2 (R mod 16) + 32 (S - 1)), so a /24 holds 16
/// ToRs' links to 8 spines (192.168.0.(2R + 32(S - 1)) for the first 15 racks, ToR 0 not existing). Nodes are dealt
/// round robin, so racks stay balanced as nodes join: node N is in rack ((N - 1) mod R) + 1, host ((N - 1) div R) + 1
/// of its rack.
/// </para>
/// </summary>
public sealed class RackAddressing
{
    /// <summary>Spines: a links /24 holds 16 ToRs' /31s to each of 8 (32 addresses a spine).</summary>
    public const int MaxSpines = 8;

    /// <summary>.1 to .253 of a rack's /24: .254 is the ToR router and .255 broadcast.</summary>
    public const int NodesPerRack = 253;

    /// <summary>The most racks any node subnet numbers: 239 in a /16, the widest.</summary>
    public static readonly int MostRacks = MaxRacks(new Ipv4Prefix(default, Cluster.KubernetesCluster.WidestNodeSubnet));

    /// <summary>ToRs whose links to every spine one /24 holds: 256 addresses / (8 spines x a /31).</summary>
    private const int TorsPerLinkBlock = 256 / (2 * MaxSpines);

    public RackAddressing(Ipv4Prefix nodeSubnet, int racks)
    {
        if (racks < 2 || racks > MaxRacks(nodeSubnet))
        {
            throw new ArgumentOutOfRangeException(nameof(racks), racks, $"{nodeSubnet} numbers 2 to {MaxRacks(nodeSubnet)} racks (a /24 each, after the links' /24s and before the outside segment's).");
        }

        NodeSubnet = nodeSubnet;
        Racks = racks;
        LinkBlocks = LinkBlocksFor(racks);
        OutsideSubnet = new Ipv4Prefix(nodeSubnet[nodeSubnet.Size - 256], 24);
    }

    /// <summary>The cluster's node subnet, every address of the fabric inside it.</summary>
    public Ipv4Prefix NodeSubnet { get; }

    public int Racks { get; }

    /// <summary>The /24s at the start of the subnet holding the ToR-spine links: one up to 15 racks.</summary>
    public int LinkBlocks { get; }

    /// <summary>The outside segment behind the first spine, where external hosts are cabled: the subnet's last /24.</summary>
    public Ipv4Prefix OutsideSubnet { get; }

    /// <summary>The most nodes the racks hold (253 each).</summary>
    public int MaxNodes => Racks * NodesPerRack;

    /// <summary>The most racks <paramref name="nodeSubnet"/> numbers: its /24s less the links' and the outside segment's (14 in a /20, 29 in a /19, 239 in a /16); 0 when it has no room for two.</summary>
    public static int MaxRacks(Ipv4Prefix nodeSubnet)
    {
        long blocks = nodeSubnet.Length > 24 ? 0 : 1L << (24 - nodeSubnet.Length);
        long racks = blocks - 2;
        while (racks > 0 && racks + LinkBlocksFor((int)racks) + 1 > blocks)
        {
            racks--;
        }

        return racks < 2 ? 0 : (int)racks;
    }

    /// <summary>The most nodes racks in <paramref name="nodeSubnet"/> hold: <see cref="MaxRacks"/> of 253 (3,542 in a /20, 7,337 in a /19).</summary>
    public static int MaxNodesOn(Ipv4Prefix nodeSubnet) => MaxRacks(nodeSubnet) * NodesPerRack;

    /// <summary>The racks <paramref name="nodes"/> nodes need at 253 a rack.</summary>
    public static int RacksFor(int nodes) => (nodes + NodesPerRack - 1) / NodesPerRack;

    public static int RackOf(int node, int racks) => ((node - 1) % racks) + 1;

    public int RackOf(int node) => RackOf(node, Racks);

    /// <summary>Rack <paramref name="rack"/>'s /24: the (links + rack - 1)-th of the subnet (192.168.R.0/24 in the default /20).</summary>
    public Ipv4Prefix RackSubnet(int rack) => new(Block(LinkBlocks + rack - 1), 24);

    /// <summary>Rack <paramref name="rack"/>'s gateway, its ToR router: .254 of its /24.</summary>
    public Ipv4Address Gateway(int rack) => new(Block(LinkBlocks + rack - 1).Value + 254);

    public Ipv4Address NodeAddress(int node) =>
        new(Block(LinkBlocks + RackOf(node) - 1).Value + (uint)(((node - 1) / Racks) + 1));

    /// <summary>Spine <paramref name="spine"/>'s end of the link to ToR <paramref name="rack"/>: 192.168.0.(2R + 32(S - 1)) in the default subnet.</summary>
    public Ipv4Address SpineAddress(int rack, int spine = 1) =>
        new(Block(rack / TorsPerLinkBlock).Value + (2u * (uint)(rack % TorsPerLinkBlock)) + (32u * (uint)(spine - 1)));

    /// <summary>ToR <paramref name="rack"/>'s uplink to spine <paramref name="spine"/>: the odd address of that link.</summary>
    public Ipv4Address UplinkAddress(int rack, int spine = 1) => new(SpineAddress(rack, spine).Value + 1);

    /// <summary>The <paramref name="index"/>-th /24 of the node subnet.</summary>
    private Ipv4Address Block(int index) => NodeSubnet[(ulong)index << 8];

    /// <summary>ToR R's links are in /24 number R div 16 (there is no ToR 0), so racks 1 to 15 need one.</summary>
    private static int LinkBlocksFor(int racks) => (racks / TorsPerLinkBlock) + 1;
}
