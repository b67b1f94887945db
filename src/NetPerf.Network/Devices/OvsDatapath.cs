using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// An Open vSwitch kernel datapath (net/openvswitch) driven by Weave Net's weaver as its controller, as Weave's
/// fastdp builds it (weaveworks/weave net/bridge.go "BridgedFastdp", router/fastdp.go): the <c>datapath</c>
/// device is its local port; its vports are a veth end (<c>vethwe-datapath</c>, whose peer is a port of the
/// <c>weave</c> bridge) and a metadata-based VXLAN device (<c>vxlan-6784</c>). A frame a vport receives is
/// looked up in the flow table (<see cref="KernelStage.OvsFlowLookup"/>); a miss is upcalled to the weaver
/// (<see cref="KernelStage.OvsUpcall"/>), which decides as its Ethernet bridge does and installs a flow keyed by
/// in_port, source MAC and destination MAC only (router/fastdp.go odpEthernetFlowKey; for the vxlan vport also
/// the tunnel key), so every connection between two pods shares the flow their first packet made. The weaver
/// deletes a flow not used since its previous pass, every 5 minutes (router/fastdp.go expireFlows); here a flow
/// idle for 5 minutes misses again (the shorter bound). A frame for a peer whose connection fell back to sleeve
/// (<see cref="AddSleevePeer"/>) is upcalled and handed to the weaver's <see cref="SleeveOverlay"/> every time:
/// no flow is made for it.
/// </summary>
public sealed class OvsDatapath : NetDevice, IRxHandler
{
    /// <summary>How often the weaver expires unused flows (router/fastdp.go: expireFlowsCh, 5 minutes).</summary>
    public static readonly Engine.Time.SimTime FlowExpiry = Engine.Time.SimTime.FromSeconds(300);

    private readonly List<NetDevice> _vports = [];
    private readonly Dictionary<(int InPort, ulong Source, ulong Destination), (Flow Action, long UsedPs)> _flows = [];
    private readonly List<(OvsDatapath Peer, Ipv4Address Vtep)> _peers = [];
    private readonly HashSet<OvsDatapath> _bySleeve = [];
    private readonly Dictionary<ulong, (OvsDatapath Peer, Ipv4Address Vtep)> _remoteMacs = [];

    /// <param name="shortId">The weaver's 12-bit peer short ID: VNIs carry the source and destination peers' (router/fastdp.go tunnelIDFor).</param>
    public OvsDatapath(NetworkNamespace ns, string name, int mtu, int shortId)
        : base(ns, name, mtu)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shortId, 0xfff);
        ShortId = shortId;
    }

    public int ShortId { get; }

    /// <summary>The vxlan vport (<c>vxlan-6784</c>): where flows to other peers send their frames.</summary>
    public VxlanDevice? Tunnel { get; private set; }

    /// <summary>The vport on the bridge's side (<c>vethwe-datapath</c>): where flows from other peers deliver.</summary>
    public NetDevice? BridgeSide { get; private set; }

    public IReadOnlyList<NetDevice> Vports => _vports;

    /// <summary>Misses upcalled to the weaver (its FlowMisses metric).</summary>
    public long Upcalls { get; private set; }

    /// <summary>Flows in the table now (<c>weave report</c>'s flows).</summary>
    public int Flows => _flows.Count;

    /// <summary><c>ovs-dpctl add-if datapath vethwe-datapath</c>: the veth end towards the bridge becomes a vport.</summary>
    public void AddBridgeVport(NetDevice port)
    {
        Attach(port);
        BridgeSide = port;
    }

    /// <summary>The vxlan vport, created by the weaver (router/fastdp.go getVxlanVportID: vxlan-PORT, UDP port = weave's port + 1).</summary>
    public void AddTunnelVport(VxlanDevice tunnel)
    {
        Attach(tunnel);
        Tunnel = tunnel;
    }

    /// <summary>A fastdp connection to another peer (router/fastdp.go fastDatapathForwarder): its datapath and its node's address.</summary>
    public void AddPeer(OvsDatapath peer, Ipv4Address vtep) => _peers.Add((peer, vtep));

    /// <summary>
    /// The weaver's sleeve overlay on this node: where frames for a peer whose fastdp connection fell back to
    /// sleeve go (router/overlay_switch.go picks the best overlay that works, per connection).
    /// </summary>
    public SleeveOverlay? Sleeve { get; set; }

    /// <summary>
    /// A peer whose fastdp heartbeats never arrived, so the connection runs in sleeve (router/fastdp.go: "timed
    /// out waiting for vxlan heartbeat"): its MACs are still learned across the overlay, but a frame for them is
    /// upcalled and forwarded by the weaver (<see cref="Sleeve"/>), and no flow is installed (router/fastdp.go
    /// send: a sleeve forwarder's FlowOp is foreign, createFlow = false), so every such frame misses.
    /// </summary>
    public void AddSleevePeer(OvsDatapath peer, Ipv4Address address)
    {
        _peers.Add((peer, address));
        _bySleeve.Add(peer);
    }

    /// <summary>The VNI of frames from this peer to <paramref name="peer"/>: source short ID | destination short ID &lt;&lt; 12.</summary>
    public uint VniTo(OvsDatapath peer) => (uint)(ShortId | (peer.ShortId << 12));

    public void HandleFrame(NetDevice port, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.OvsFlowLookup, this);
        ref var p = ref walk.P;
        var key = (port.Index, p.SourceMac.Value, p.DestinationMac.Value);
        long now = Host.Sim.Now.Picoseconds;
        if (!_flows.TryGetValue(key, out var entry) || now - entry.UsedPs > FlowExpiry.Picoseconds)
        {
            var decision = Decide(port, ref walk);
            if (decision is { Peer: { } bySleeve } && _bySleeve.Contains(bySleeve) && Sleeve is { } sleeve)
            {
                // Upcalled, forwarded by the weaver's sleeve, never made a flow: every frame comes this way.
                Upcalls++;
                sleeve.Capture(ref walk, this, decision.Value.Vtep);
                return;
            }

            // ovs_dp_upcall segments a GSO packet first (queue_gso_packets) and upcalls every segment.
            walk.Charge(KernelStage.OvsUpcall, Namespace, this, walk.P.Segments);
            Upcalls++;
            if (decision is not { } decided)
            {
                // The weaver would broadcast a frame for an unknown MAC to every peer and veto the flow; ARP is
                // warm here, so this is a frame for a station nobody knows.
                walk.Drop(DropReason.NoTunnelEndpoint, this);
                return;
            }

            entry.Action = decided;
        }

        _flows[key] = (entry.Action, now);
        if (entry.Action.Peer is { } peer)
        {
            Tunnel!.TransmitTo(ref walk, entry.Action.Vtep, VniTo(peer));
        }
        else
        {
            entry.Action.Output!.Transmit(ref walk);
        }
    }

    /// <summary>Frames the host injects through the local port (the weaver's own injection) enter the datapath like a vport's.</summary>
    public override void Transmit(ref PacketWalk walk) => HandleFrame(this, ref walk);

    /// <summary>
    /// ARP for an address behind the overlay: the weaver floods the request to its peers, and the peer whose
    /// bridge holds the address answers; both weavers learn where the two MACs are (router/fastdp.go bridge:
    /// sendToMAC learned from each frame's source).
    /// </summary>
    public MacAddress? ResolveBeyond(NetDevice port, Ipv4Address address, MacAddress asker)
    {
        if (port != BridgeSide)
        {
            return null;
        }

        foreach (var (peer, vtep) in _peers)
        {
            if (peer.ResolveOnBridge(address, asker, this) is { } mac)
            {
                _remoteMacs[mac.Value] = (peer, vtep);
                return mac;
            }
        }

        return null;
    }

    /// <summary>The weaver's decision on a miss: from the bridge to the peer that has the MAC, or from a peer to the bridge.</summary>
    private Flow? Decide(NetDevice port, ref PacketWalk walk)
    {
        if (port == Tunnel)
        {
            return BridgeSide is null ? null : new Flow(BridgeSide, null, default);
        }

        return _remoteMacs.TryGetValue(walk.P.DestinationMac.Value, out var remote) ? new Flow(null, remote.Peer, remote.Vtep) : null;
    }

    /// <summary>A request from <paramref name="from"/> reached this peer: its bridge's segment answers, and the asker is learned as behind <paramref name="from"/>.</summary>
    private MacAddress? ResolveOnBridge(Ipv4Address address, MacAddress asker, OvsDatapath from)
    {
        if (BridgeSide is not VethDevice { Peer: { Master: { } bridge } bridgePort })
        {
            return null;
        }

        var answer = bridge.ResolveOnSegment(address, except: bridgePort, asker: asker);
        if (answer is not null)
        {
            foreach (var (peer, vtep) in _peers)
            {
                if (peer == from)
                {
                    _remoteMacs[asker.Value] = (peer, vtep);
                }
            }
        }

        return answer;
    }

    private void Attach(NetDevice vport)
    {
        if (vport.Namespace != Namespace || vport.RxHandler is not null)
        {
            throw new ArgumentException($"{vport} cannot be a vport of {Name}: a vport must be a free device in the datapath's namespace.", nameof(vport));
        }

        vport.RxHandler = this;
        _vports.Add(vport);
    }

    /// <summary>A flow's actions: output to a vport, or set the tunnel to a peer and output to the vxlan vport.</summary>
    private readonly record struct Flow(NetDevice? Output, OvsDatapath? Peer, Ipv4Address Vtep);
}
