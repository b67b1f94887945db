using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// Racks behind top-of-rack routers joined by a spine (numbered as <see cref="RackAddressing"/> says): a node
/// reaches a node of its own rack over the rack's switch, and one of another rack through its ToR, the spine and
/// the other ToR, so "the nodes share one subnet" is false. Every box forwards in hardware (no CPU); each cable
/// has the cluster's link rate and propagation.
/// <para>
/// Pod addresses are not routed by the fabric unless a node announces them (<see cref="Announce"/>): what a
/// Calico node does when it peers over BGP with its ToR (Calico's "AS per rack" design), the ToR then routing the
/// block to the node and the spine routing it to that ToR. The routes are put in place converged; the ToRs and
/// spine run no BGP speaker here.
/// </para>
/// </summary>
public sealed class RackFabric
{
    private readonly List<TopOfRackRouter> _tors = [];

    /// <param name="interZoneDelay">Added between racks: half on each ToR's uplink (<see cref="Cluster.ClusterOptions.InterZoneDelay"/>).</param>
    internal RackFabric(Testbed bed, int racks, long bitsPerSecond, SimTime propagation, SimTime interZoneDelay = default)
    {
        Spine = new SpineRouter(bed, bitsPerSecond, propagation);
        for (int r = 1; r <= racks; r++)
        {
            var tor = new TopOfRackRouter(bed, r, bitsPerSecond, propagation);
            Spine.Connect(tor, propagation + (interZoneDelay / 2));
            _tors.Add(tor);
        }
    }

    public SpineRouter Spine { get; }

    public IReadOnlyList<TopOfRackRouter> TopOfRack => _tors;

    /// <summary>Rack <paramref name="rack"/>'s ToR, 1-based.</summary>
    public TopOfRackRouter Tor(int rack) => _tors[rack - 1];

    /// <summary>Every router of the fabric (the ToRs, then the spine), for tracing.</summary>
    public IEnumerable<Host> Routers => _tors.Select(t => t.Host).Append(Spine.Host);

    /// <summary>
    /// The node at <paramref name="address"/> in rack <paramref name="rack"/> announces <paramref name="prefix"/>:
    /// its ToR routes the prefix to it, the spine to that ToR.
    /// </summary>
    public void Announce(Ipv4Prefix prefix, int rack, Ipv4Address address)
    {
        Tor(rack).RouteToNode(prefix, address);
        Spine.RouteToRack(prefix, rack);
    }

    /// <summary>Cables a node's NIC to a port of its rack's switch.</summary>
    internal void Connect(PhysicalNic nic, int rack) => Tor(rack).Switch.Connect(nic);
}
