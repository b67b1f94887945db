using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// Calico's BGP control plane over a cluster built with <c>new CalicoRouted(ipip, CalicoRouting.Bgp)</c>: a
/// speaker per node, started now, peered as a full mesh (n(n-1)/2 sessions) or through route reflectors (the
/// first <c>reflectors</c> nodes, sharing cluster id 244.0.0.1 as Calico's documentation examples do; every
/// other node a client of each, so 2 sessions per client with two reflectors). Nodes that join later get a
/// speaker and their peerings; a node that fails hard loses its speaker with it. Counts the messages sent, by
/// type, and logs every block route the speakers install or remove, from which convergence is read.
/// </summary>
public sealed class BgpControlPlane
{
    /// <summary>The route reflectors' shared cluster id (244.0.0.1).</summary>
    public static readonly uint ReflectorClusterId = Ipv4Address.Parse("244.0.0.1").Value;

    private readonly List<BgpSpeaker> _speakers = [];
    private readonly Dictionary<Node, BgpSpeaker> _byNode = [];
    private readonly List<BgpRouteChange> _routeChanges = [];
    private readonly CalicoRouted _cni;

    public BgpControlPlane(KubernetesCluster cluster, BgpTopology topology = BgpTopology.FullMesh, BgpTimers? timers = null, int reflectors = 2)
    {
        if (cluster.Cni is not CalicoRouted { Routing: CalicoRouting.Bgp } cni)
        {
            throw new ArgumentException(
                $"BGP needs Calico built with CalicoRouting.Bgp (the cluster runs {cluster.Cni.Name}{(cluster.Cni is CalicoRouted ? " with static routes" : "")}).",
                nameof(cluster));
        }

        if (topology == BgpTopology.RouteReflectors && (reflectors < 1 || reflectors >= cluster.Nodes.Count))
        {
            throw new ArgumentOutOfRangeException(nameof(reflectors), reflectors, $"route reflectors must be at least 1 and fewer than the {cluster.Nodes.Count} nodes.");
        }

        Cluster = cluster;
        Topology = topology;
        Timers = timers ?? BgpTimers.Calico;
        Reflectors = topology == BgpTopology.RouteReflectors ? reflectors : 0;
        _cni = cni;
        foreach (var node in cluster.Nodes)
        {
            AddSpeaker(node);
        }

        foreach (var speaker in _speakers)
        {
            Peer(speaker, _speakers);
        }

        InitialSpeakers = _speakers.Count;
        foreach (var speaker in _speakers)
        {
            speaker.Start();
        }

        cluster.NodeAdded += OnNodeAdded;
        cluster.NodeFailed += node => _byNode[node].Stop();
        cni.PodRangeAdded += (node, block) => _byNode[node].Originate(block);
    }

    public KubernetesCluster Cluster { get; }
    public BgpTopology Topology { get; }
    public BgpTimers Timers { get; }

    /// <summary>How many of the first nodes are route reflectors (0 in a full mesh).</summary>
    public int Reflectors { get; }

    /// <summary>The peering in numbers (its sessions, peers per node).</summary>
    public BgpPeering Peering => new(Topology, Reflectors);

    public IReadOnlyList<BgpSpeaker> Speakers => _speakers;

    public BgpSpeaker Speaker(Node node) => _byNode[node];

    internal BgpWire Wire { get; } = new();

    /// <summary>Sessions in Established, each counted once (both of its ends are).</summary>
    public int EstablishedSessions => _speakers.Sum(s => s.EstablishedSessions) / 2;

    /// <summary>Messages of <paramref name="type"/> sent by every speaker so far.</summary>
    public long Sent(BgpMessageType type) => Wire.Sent(type);

    /// <summary>UPDATEs that withdrew a route (counted among the UPDATEs too).</summary>
    public long Withdrawals => Wire.Withdrawals;

    /// <summary>BGP bytes written into TCP by every speaker (headers of TCP, IP and Ethernet not included).</summary>
    public long BytesSent => Wire.BytesSent;

    /// <summary>Every block route installed or removed, in time order.</summary>
    public IReadOnlyList<BgpRouteChange> RouteChanges => _routeChanges;

    /// <summary>When the last block route changed anywhere.</summary>
    public SimTime LastRouteChange { get; private set; }

    /// <summary>When the last session came up or went down anywhere.</summary>
    public SimTime LastSessionChange { get; private set; }

    /// <summary>
    /// When every speaker started with the cluster first had a route to every other one's block (the initial
    /// convergence of the FIBs), or null if that has not happened yet.
    /// </summary>
    public SimTime? InitialConvergence { get; private set; }

    private int InitialSpeakers { get; }

    /// <summary>Whether <paramref name="node"/>'s FIB has a route to <paramref name="to"/>'s block that its speaker installed.</summary>
    public bool HasRoute(Node node, Node to) => _byNode[node].BestPaths.ContainsKey(CalicoRouted.Block(to));

    private void AddSpeaker(Node node)
    {
        int index = _speakers.Count;
        uint cluster = index < Reflectors ? ReflectorClusterId : 0;
        var speaker = new BgpSpeaker(this, node, _cni, Timers, cluster, Cluster.Bed.Streams.Create($"bgp/{node.Name}"));
        _speakers.Add(speaker);
        _byNode[node] = speaker;
    }

    /// <summary>The peerings of <paramref name="speaker"/> among <paramref name="others"/>, by the topology.</summary>
    private void Peer(BgpSpeaker speaker, IReadOnlyList<BgpSpeaker> others)
    {
        foreach (var other in others)
        {
            if (other == speaker)
            {
                continue;
            }

            if (Topology == BgpTopology.FullMesh)
            {
                speaker.AddPeer(other.Address, peerIsClient: false);
            }
            else if (speaker.IsReflector)
            {
                speaker.AddPeer(other.Address, peerIsClient: !other.IsReflector); // reflectors peer as ordinary iBGP
            }
            else if (other.IsReflector)
            {
                speaker.AddPeer(other.Address, peerIsClient: false);
            }
        }
    }

    private void OnNodeAdded(Node node)
    {
        AddSpeaker(node);
        var joined = _byNode[node];
        Peer(joined, _speakers);
        foreach (var speaker in _speakers)
        {
            if (speaker != joined && (Topology == BgpTopology.FullMesh || speaker.IsReflector))
            {
                speaker.AddPeer(joined.Address, peerIsClient: speaker.IsReflector); // confd rewrites bird.cfg; BIRD adds the protocol
            }
        }

        joined.Start();
    }

    internal void OnSessionChange() => LastSessionChange = Cluster.Bed.Sim.Now;

    internal void OnRouteChange(BgpSpeaker speaker, Ipv4Prefix block, bool installed)
    {
        var now = Cluster.Bed.Sim.Now;
        _routeChanges.Add(new BgpRouteChange(now, speaker.Node.Index, block, installed));
        LastRouteChange = now;
        if (InitialConvergence is null && installed && AllInitialRoutesInstalled())
        {
            InitialConvergence = now;
        }
    }

    private bool AllInitialRoutesInstalled()
    {
        for (int i = 0; i < InitialSpeakers; i++)
        {
            var speaker = _speakers[i];
            for (int j = 0; j < InitialSpeakers; j++)
            {
                if (!speaker.BestPaths.ContainsKey(_speakers[j].OwnBlock))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
