using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Links;
using NetPerf.Network.Routing;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// A top-of-rack L3 switch, as data-centre ToRs are: the rack's L2 switch (ports to its nodes) and, on the same
/// box, the rack subnet's gateway (.254 of the rack's /24 on the switching bridge, a switched virtual interface)
/// routed to an uplink per spine (the odd end of each /31 <see cref="RackAddressing"/> gives it; default route via
/// the first). With several spines the other
/// racks' subnets and the pod blocks the fabric routes are ECMP routes over every spine, one picked per flow by a
/// hash of its 5-tuple keyed by the ToR's seed. It routes in hardware as it switches: its host's cost table is free
/// (as <see cref="L2Switch"/>'s), so a routed packet costs no CPU, only the store-and-forward serialisation (per
/// frame, as it switches) and buffer of the port it leaves by.
/// </summary>
public sealed class TopOfRackRouter
{
    private readonly List<PhysicalNic> _uplinks = [];
    private readonly RackAddressing _addressing;

    internal TopOfRackRouter(Testbed bed, RackAddressing addressing, int rack, long bitsPerSecond, SimTime propagation)
    {
        _addressing = addressing;
        Rack = rack;
        Switch = new L2Switch(bed, $"tor{rack}", bitsPerSecond, propagation);
        var root = Switch.Host.Root;
        root.IpForward = true;
        root.AddAddress(Switch.Bridge, addressing.Gateway(rack), addressing.RackSubnet(rack).Length);
        _uplinks.Add(NewUplink(1));
        root.AddRoute("0.0.0.0/0", Uplink, via: addressing.SpineAddress(rack).ToString());
    }

    public int Rack { get; }

    /// <summary>The rack's switching: nodes are cabled to its ports.</summary>
    public L2Switch Switch { get; }

    public Host Host => Switch.Host;

    /// <summary>The port cabled to the first spine.</summary>
    public PhysicalNic Uplink => _uplinks[0];

    /// <summary>The ports cabled to the spines, the first spine's first.</summary>
    public IReadOnlyList<PhysicalNic> Uplinks => _uplinks;

    /// <summary>A further uplink, to spine <paramref name="spine"/> (2 onwards): "uplink2", ...</summary>
    internal PhysicalNic AddUplink(int spine)
    {
        var uplink = NewUplink(spine);
        _uplinks.Add(uplink);
        return uplink;
    }

    /// <summary>
    /// With several spines: the node subnet as an ECMP route over every spine (more specific routes keep the rack's
    /// own /24 on its bridge and the outside segment's /24 on the first spine, where it is cabled), as a leaf learns
    /// the other leaves' subnets from every spine over eBGP with multipath.
    /// </summary>
    internal void RouteRacksOverSpines()
    {
        Host.Root.Fib.Replace(new Route(_addressing.NodeSubnet, RouteType.Unicast, SpineHops()));
        Host.Root.AddRoute(_addressing.OutsideSubnet.ToString(), Uplink, via: _addressing.SpineAddress(Rack).ToString());
    }

    /// <summary>
    /// <c>PREFIX via NODE dev br0</c>: a prefix a node of this rack announced to the ToR (a pod block, with
    /// Calico peering with its top-of-rack router), routed to that node.
    /// </summary>
    internal void RouteToNode(Ipv4Prefix prefix, Ipv4Address node) =>
        Host.Root.Fib.Replace(new Route(prefix, RouteType.Unicast, new NextHop(Switch.Bridge.Index, node)));

    /// <summary>A prefix of another rack, learnt from every spine: one ECMP route over all of them.</summary>
    internal void RouteOverSpines(Ipv4Prefix prefix) => Host.Root.Fib.Replace(new Route(prefix, RouteType.Unicast, SpineHops()));

    private NextHop[] SpineHops() => [.. _uplinks.Select((u, i) => new NextHop(u.Index, _addressing.SpineAddress(Rack, i + 1)))];

    private PhysicalNic NewUplink(int spine)
    {
        var root = Switch.Host.Root;
        var uplink = new PhysicalNic(root, spine == 1 ? "uplink" : $"uplink{spine}", mtu: 9216, receiveQueues: 1) { ForwardsPerFrame = true };
        root.AddAddress(uplink, _addressing.UplinkAddress(Rack, spine), 31);
        return uplink;
    }
}
