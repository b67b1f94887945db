using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Fabric;

/// <summary>
/// Racks behind top-of-rack routers joined by one or more spines, a leaf-spine fabric (numbered as
/// <see cref="RackAddressing"/> says): a node reaches a node of its own rack over the rack's switch, and one of
/// another rack through its ToR, a spine and the other ToR, so "the nodes share one subnet" is false. With several
/// spines every ToR is cabled to each and spreads the flows to other racks over them by ECMP, a hash of the
/// 5-tuple keyed by a seed per ToR drawn from the run's seed (a switch's hash seed), so one flow keeps one spine
/// (no reordering) and many flows divide evenly. Every box forwards in hardware (no CPU); each cable has the
/// cluster's link rate and propagation.
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
    private readonly List<SpineRouter> _spines = [];

    /// <param name="interZoneDelay">Added between racks: half on each ToR's uplink (<see cref="Cluster.ClusterOptions.InterZoneDelay"/>).</param>
    /// <param name="spines">Spines, 1 to <see cref="RackAddressing.MaxSpines"/>; one keeps the fabric as it was (a default route to it).</param>
    internal RackFabric(Testbed bed, RackAddressing addressing, long bitsPerSecond, SimTime propagation, SimTime interZoneDelay = default, int spines = 1)
    {
        if (spines < 1 || spines > RackAddressing.MaxSpines)
        {
            throw new ArgumentOutOfRangeException(nameof(spines), spines, $"spines must be 1 to {RackAddressing.MaxSpines} (a links /24 holds 16 ToRs' /31s to each of 8 spines).");
        }

        Addressing = addressing;
        for (int s = 1; s <= spines; s++)
        {
            _spines.Add(new SpineRouter(bed, addressing, bitsPerSecond, propagation, s));
        }

        var uplink = propagation + (interZoneDelay / 2);
        for (int r = 1; r <= addressing.Racks; r++)
        {
            var tor = new TopOfRackRouter(bed, addressing, r, bitsPerSecond, propagation);
            Spine.Connect(tor, tor.Uplink, uplink);
            for (int s = 2; s <= spines; s++)
            {
                _spines[s - 1].Connect(tor, tor.AddUplink(s), uplink);
            }

            if (spines > 1)
            {
                // Drawn for every ToR whatever the traffic, so a seed fixes every ToR's split.
                tor.Host.Root.MultipathHashSeed = (uint)bed.Streams.Create($"ecmp/tor{r}").NextUInt64();
                tor.RouteRacksOverSpines();
            }

            _tors.Add(tor);
        }
    }

    /// <summary>How the racks, links and outside segment are numbered in the node subnet.</summary>
    public RackAddressing Addressing { get; }

    /// <summary>The first spine (the outside segment's).</summary>
    public SpineRouter Spine => _spines[0];

    /// <summary>Every spine, the first first.</summary>
    public IReadOnlyList<SpineRouter> Spines => _spines;

    public IReadOnlyList<TopOfRackRouter> TopOfRack => _tors;

    /// <summary>Rack <paramref name="rack"/>'s ToR, 1-based.</summary>
    public TopOfRackRouter Tor(int rack) => _tors[rack - 1];

    /// <summary>Every router of the fabric (the ToRs, then the spines), for tracing.</summary>
    public IEnumerable<Host> Routers => _tors.Select(t => t.Host).Concat(_spines.Select(s => s.Host));

    /// <summary>
    /// The node at <paramref name="address"/> in rack <paramref name="rack"/> announces <paramref name="prefix"/>:
    /// its ToR routes the prefix to it, every spine to that ToR, and with several spines every other ToR over all
    /// of them (one spine needs no such route: the ToRs' default route is to it).
    /// </summary>
    public void Announce(Ipv4Prefix prefix, int rack, Ipv4Address address)
    {
        Tor(rack).RouteToNode(prefix, address);
        foreach (var spine in _spines)
        {
            spine.RouteToRack(prefix, rack);
        }

        if (_spines.Count > 1)
        {
            foreach (var tor in _tors.Where(t => t.Rack != rack))
            {
                tor.RouteOverSpines(prefix);
            }
        }
    }

    /// <summary>Cables a node's NIC to a port of its rack's switch.</summary>
    internal void Connect(PhysicalNic nic, int rack) => Tor(rack).Switch.Connect(nic);
}
