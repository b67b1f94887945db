using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// How a fabric of racks is numbered, all inside the cluster's 192.168.0.0/20 so that it never meets the pod
/// network: rack R is 192.168.R.0/24 (R = 1 to 14) with its top-of-rack router at .254 and its nodes from .1;
/// the point-to-point link between ToR R and spine S is 192.168.0.(2R + 32(S - 1))/31 (RFC 3021; 192.168.0.2R/31 to
/// the first spine), the spine holding the even address and the ToR the odd one, so 192.168.0.0/24 holds 8 spines; 192.168.15.0/24 is the outside segment on the spine, where external
/// hosts sit (the addresses they have on a single switch, 192.168.15.1 on), gateway 192.168.15.254.
/// Nodes are dealt round robin, so racks stay balanced as nodes join: node N is in rack ((N - 1) mod R) + 1,
/// host ((N - 1) div R) + 1 of its rack.
/// </summary>
public static class RackAddressing
{
    /// <summary>192.168.1.0/24 to 192.168.14.0/24: the /20 less the spine links' /24 (0) and the outside one (15).</summary>
    public const int MaxRacks = 14;

    /// <summary>Spines: each ToR's links take 32 addresses of 192.168.0.0/24 a spine (14 racks' /31s from .2 to .29, then the next spine's).</summary>
    public const int MaxSpines = 8;

    /// <summary>.1 to .253 of a rack's /24: .254 is the ToR router and .255 broadcast.</summary>
    public const int NodesPerRack = 253;

    /// <summary>The outside segment behind the spine, where external hosts are cabled when there are racks.</summary>
    public const string OutsideSubnet = "192.168.15.0/24";

    private static readonly uint Base = Ipv4Address.Parse("192.168.0.0").Value;

    public static int RackOf(int node, int racks) => ((node - 1) % racks) + 1;

    public static Ipv4Prefix RackSubnet(int rack) => new(new Ipv4Address(Base + ((uint)rack << 8)), 24);

    /// <summary>Rack <paramref name="rack"/>'s gateway, its ToR router: 192.168.R.254.</summary>
    public static Ipv4Address Gateway(int rack) => new(Base + ((uint)rack << 8) + 254);

    public static Ipv4Address NodeAddress(int node, int racks) =>
        new(RackSubnet(RackOf(node, racks)).Network.Value + (uint)(((node - 1) / racks) + 1));

    /// <summary>Spine <paramref name="spine"/>'s end of the link to ToR <paramref name="rack"/>: 192.168.0.(2R + 32(S - 1)), 192.168.0.2R on the first.</summary>
    public static Ipv4Address SpineAddress(int rack, int spine = 1) => new(Base + (2u * (uint)rack) + (32u * (uint)(spine - 1)));

    /// <summary>ToR <paramref name="rack"/>'s uplink to spine <paramref name="spine"/>: the odd address of that link.</summary>
    public static Ipv4Address UplinkAddress(int rack, int spine = 1) => new(SpineAddress(rack, spine).Value + 1);

    /// <summary>The most nodes <paramref name="racks"/> racks hold (253 each), within the pod network's 1,023.</summary>
    public static int MaxNodes(int racks, int podRanges) => racks == 1 ? podRanges : Math.Min(podRanges, racks * NodesPerRack);
}
