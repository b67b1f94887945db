using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Links;
using NetPerf.Network.Routing;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// A top-of-rack L3 switch, as data-centre ToRs are: the rack's L2 switch (ports to its nodes) and, on the same
/// box, the rack subnet's gateway (192.168.R.254 on the switching bridge, a switched virtual interface) routed to
/// an uplink cabled to the spine (192.168.0.2R+1/31, default route via the spine). It routes in hardware as it
/// switches: its host's cost table is free (as <see cref="L2Switch"/>'s), so a routed packet costs no CPU, only
/// the store-and-forward serialisation (per frame, as it switches) and buffer of the port it leaves by.
/// </summary>
public sealed class TopOfRackRouter
{
    internal TopOfRackRouter(Testbed bed, int rack, long bitsPerSecond, SimTime propagation)
    {
        Rack = rack;
        Switch = new L2Switch(bed, $"tor{rack}", bitsPerSecond, propagation);
        var root = Switch.Host.Root;
        root.IpForward = true;
        root.AddAddress(Switch.Bridge, RackAddressing.Gateway(rack), RackAddressing.RackSubnet(rack).Length);
        Uplink = new PhysicalNic(root, "uplink", mtu: 9216, receiveQueues: 1) { ForwardsPerFrame = true };
        root.AddAddress(Uplink, RackAddressing.UplinkAddress(rack), 31);
        root.AddRoute("0.0.0.0/0", Uplink, via: RackAddressing.SpineAddress(rack).ToString());
    }

    public int Rack { get; }

    /// <summary>The rack's switching: nodes are cabled to its ports.</summary>
    public L2Switch Switch { get; }

    public Host Host => Switch.Host;

    /// <summary>The port cabled to the spine.</summary>
    public PhysicalNic Uplink { get; }

    /// <summary>
    /// <c>PREFIX via NODE dev br0</c>: a prefix a node of this rack announced to the ToR (a pod block, with
    /// Calico peering with its top-of-rack router), routed to that node.
    /// </summary>
    internal void RouteToNode(Ipv4Prefix prefix, Ipv4Address node) =>
        Host.Root.Fib.Replace(new Route(prefix, RouteType.Unicast, new NextHop(Switch.Bridge.Index, node)));
}
