using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Links;
using NetPerf.Network.Routing;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// A spine between the racks: an L3 switch with a routed port per ToR (swpR, with a static route to rack R's subnet
/// via that ToR; addresses as <see cref="RackAddressing.SpineAddress"/> numbers them, 192.168.0.2R/31 on the first
/// spine in the default subnet). The first spine also holds an L2 segment for hosts outside the cluster (the node
/// subnet's last /24, 192.168.15.0/24 by default, gateway .254 on its bridge): the ToRs send outside traffic there. Like the ToRs it forwards in hardware: a free cost table, so
/// only serialisation (store-and-forward per frame) and port buffers cost anything.
/// </summary>
public sealed class SpineRouter
{
    private readonly List<PhysicalNic> _ports = [];
    private readonly long _bitsPerSecond;
    private readonly RackAddressing _addressing;

    internal SpineRouter(Testbed bed, RackAddressing addressing, long bitsPerSecond, SimTime propagation, int number = 1)
    {
        _bitsPerSecond = bitsPerSecond;
        _addressing = addressing;
        Number = number;
        Outside = new L2Switch(bed, number == 1 ? "spine" : $"spine{number}", bitsPerSecond, propagation);
        Root.IpForward = true;
        if (number == 1)
        {
            var outside = addressing.OutsideSubnet;
            Root.AddAddress(Outside.Bridge, outside[254], outside.Length);
        }
    }

    /// <summary>1 for the first spine (the one with the outside segment), up to the fabric's spine count.</summary>
    public int Number { get; }

    public Host Host => Outside.Host;

    /// <summary>The outside segment's switching (the spine's own ports for external hosts; on the first spine only).</summary>
    public L2Switch Outside { get; }

    /// <summary>The routed ports, swp1 to ToR 1 onwards.</summary>
    public IReadOnlyList<PhysicalNic> Ports => _ports;

    /// <summary>Frames this spine has received from the ToRs (every frame it forwards between racks).</summary>
    public long FramesFromRacks => _ports.Sum(p => p.ReceivedPerQueue.Sum());

    private NetworkNamespace Root => Outside.Host.Root;

    /// <summary>Cables ToR <paramref name="tor"/>'s uplink to this spine (a cable of <paramref name="uplinkPropagation"/>) to a new routed port, and routes its rack's subnet there.</summary>
    internal void Connect(TopOfRackRouter tor, PhysicalNic uplink, SimTime uplinkPropagation)
    {
        var port = new PhysicalNic(Root, $"swp{tor.Rack}", mtu: 9216, receiveQueues: 1) { ForwardsPerFrame = true };
        Root.AddAddress(port, _addressing.SpineAddress(tor.Rack, Number), 31);
        PhysicalNic.Connect(port, uplink, _bitsPerSecond, uplinkPropagation, Outside.PortBufferFrames, QueueUnit.Frames);
        Root.AddRoute(_addressing.RackSubnet(tor.Rack).ToString(), port, via: _addressing.UplinkAddress(tor.Rack, Number).ToString());
        _ports.Add(port);
    }

    /// <summary><c>PREFIX via TOR dev swpR</c>: a prefix rack R's ToR announced to the spine.</summary>
    internal void RouteToRack(Ipv4Prefix prefix, int rack) =>
        Root.Fib.Replace(new Route(prefix, RouteType.Unicast, new NextHop(_ports[rack - 1].Index, _addressing.UplinkAddress(rack, Number))));
}
