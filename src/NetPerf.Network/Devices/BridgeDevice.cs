using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Routing;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// A Linux bridge (cni0, docker0): a learning switch between its ports, and an interface of its own namespace.
/// It learns which port each source MAC was seen on, forwards known destinations to one port, floods unknown
/// ones to every other port, and forgets entries unused for the ageing time (300 s by default:
/// BR_DEFAULT_AGEING_TIME in net/bridge/br_private.h).
/// </summary>
public sealed class BridgeDevice : NetDevice, IRxHandler
{
    public static readonly Engine.Time.SimTime DefaultAgeing = Engine.Time.SimTime.FromSeconds(300);

    private readonly List<NetDevice> _ports = [];
    private readonly Dictionary<ulong, (NetDevice Port, long SeenPs)> _fdb = [];
    private bool _resolving; // an ARP request being flooded on through this bridge (bridges in series)

    public BridgeDevice(NetworkNamespace ns, string name, int mtu = 1500)
        : base(ns, name, mtu)
    {
    }

    public IReadOnlyList<NetDevice> Ports => _ports;
    public Engine.Time.SimTime AgeingTime { get; set; } = DefaultAgeing;

    /// <summary>Frames sent to every port but the one they came from, because the destination was unknown.</summary>
    public long Floods { get; private set; }

    /// <summary>Ports with hairpin mode: a frame may leave through the port it came in on.</summary>
    public HashSet<NetDevice> HairpinPorts { get; } = [];

    /// <summary>
    /// net.bridge.bridge-nf-call-iptables (br_netfilter): bridged IPv4 frames cross iptables PREROUTING,
    /// FORWARD and POSTROUTING with the bridge as in- and out-interface, so conntrack sees them and un-NATs
    /// replies. On by default, as br_netfilter sets it when loaded and Kubernetes requires; it only matters
    /// when the namespace has netfilter loaded.
    /// </summary>
    public bool CallIptables { get; set; } = true;

    /// <summary><c>ip link set PORT master BRIDGE</c>.</summary>
    public void Enslave(NetDevice port)
    {
        if (port.Namespace != Namespace || port == this || port.Master is not null)
        {
            throw new ArgumentException($"{port} cannot join bridge {Name}: a port must be a free device in the bridge's namespace.", nameof(port));
        }

        port.Master = this;
        port.RxHandler = this;
        _ports.Add(port);
    }

    /// <summary>
    /// <c>bridge fdb add MAC dev PORT master static</c>: an entry that never ages and learning does not move. A
    /// switch whose hosts' ARP traffic (not modelled) would have taught it their ports starts with these.
    /// </summary>
    public void AddStaticEntry(MacAddress mac, NetDevice port)
    {
        if (port.Master != this)
        {
            throw new ArgumentException($"{port} is not a port of bridge {Name}.", nameof(port));
        }

        _fdb[mac.Value] = (port, long.MaxValue);
    }

    /// <summary>The port a MAC was last seen on, if the entry has not aged out.</summary>
    public NetDevice? PortOf(MacAddress mac)
    {
        if (_fdb.TryGetValue(mac.Value, out var entry) && (entry.SeenPs == long.MaxValue || Host.Sim.Now.Picoseconds - entry.SeenPs <= AgeingTime.Picoseconds))
        {
            return entry.Port;
        }

        return null;
    }

    /// <summary>A frame arrived on one of the ports (br_handle_frame).</summary>
    public void HandleFrame(NetDevice ingress, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.BridgeForward, this);
        ref var p = ref walk.P;
        Learn(p.SourceMac, ingress);
        var nf = CallIptables ? Namespace.Netfilter : null;
        if (nf is null)
        {
            if (p.DestinationMac == Mac)
            {
                // For the bridge's own address: up to IP in this namespace, as if received on the bridge device.
                p.Hops++;
                Ipv4.Receive(this, ref walk);
                return;
            }

            Forward(ingress, ref walk, nf: null);
            return;
        }

        // br_netfilter: every IPv4 frame entering a port crosses PREROUTING here, even one for the bridge itself;
        // br_nf_pre_routing's own work (the nf_bridge state, the fake route, calling the IP hooks from the bridge)
        // is charged apart from the hooks and conntrack it calls.
        walk.Charge(KernelStage.BridgeNetfilter, this);
        var before = p.VisibleFlow.Destination;
        if (nf.Run(Netfilter.NetfilterHook.PreRouting, ref walk, this, null) == Netfilter.Verdict.Drop)
        {
            Drop(ref walk, nf, nf.LastDropReason);
            return;
        }

        var after = walk.P.VisibleFlow.Destination;
        if (after != before)
        {
            // DNAT took place (br_nf_pre_routing_finish): if the new destination is on this bridge, the frame is
            // bridged to it (bridged_dnat: no ip_forward, no TTL, hairpin rules apply); otherwise it is routed,
            // by this lookup: the skb keeps its dst, so IP input does not route it again.
            walk.Charge(KernelStage.FibLookup, Namespace, this);
            var route = Namespace.Fib.Lookup(after);
            if (route is { Type: RouteType.Unicast } && route.NextHops[0].Interface == Index
                && Namespace.Resolve(this, after) is { } mac)
            {
                walk.P.DestinationMac = mac;
                Forward(ingress, ref walk, nf);
                return;
            }

            walk.P.DestinationMac = Mac;
            walk.P.Hops++;
            Ipv4.ReceiveRouted(this, ref walk, route); // PREROUTING already ran at the bridge, and routing too
            return;
        }

        if (walk.P.DestinationMac == Mac)
        {
            walk.P.Hops++;
            Ipv4.ReceiveRouted(this, ref walk); // PREROUTING already ran at the bridge
            return;
        }

        Forward(ingress, ref walk, nf);
    }

    /// <summary>The bridge device itself transmits (a routed packet leaving through cni0): forward by FDB.</summary>
    public override void Transmit(ref PacketWalk walk)
    {
        walk.Charge(KernelStage.BridgeForward, this);
        Forward(null, ref walk, nf: null); // routed here: IP's own hooks already ran
    }

    public override MacAddress? ResolveOnLink(Ipv4Address address) => ResolveOnSegment(address, except: null, asker: null);

    /// <summary>
    /// Which MAC on the bridge's segment answers ARP for <paramref name="address"/>, asked by <paramref name="asker"/>
    /// through port <paramref name="except"/> (null: the bridge device itself asks). ARP's packets are not modelled,
    /// but what they teach the bridge is: the broadcast request is learned on the asker's port and the unicast reply
    /// on the answerer's (br_fdb_update on every frame's source), so the first data frame after a resolution finds
    /// its port and is not flooded, as on Linux. Only when the entry ages out (300 s) while the neighbour cache
    /// still holds the MAC (a STALE entry is used as it is) does a data frame flood.
    /// </summary>
    internal MacAddress? ResolveOnSegment(Ipv4Address address, NetDevice? except, MacAddress? asker)
    {
        if (_resolving)
        {
            return null;
        }

        if (except is not null && asker is { } from)
        {
            Learn(from, except);
        }

        if (AnswersArpFor(address))
        {
            return Mac;
        }

        foreach (var port in _ports)
        {
            if (port != except && port is VethDevice veth && veth.Peer.AnswersArpFor(address))
            {
                Learn(veth.Peer.Mac, port);
                return veth.Peer.Mac;
            }

            // A port whose veth peer is another bridge's port (bridges in series, one L2 segment): the request is
            // flooded on through that bridge, and the reply comes back through this port. A bridge asked again while
            // it asks (a loop of bridges, which Linux would flood around forever without STP) answers nothing.
            if (port != except && port is VethDevice { Peer: { Master: { } next } nextPort })
            {
                MacAddress? beyondBridge;
                _resolving = true;
                try
                {
                    beyondBridge = next.ResolveOnSegment(address, except: nextPort, asker: asker ?? Mac);
                }
                finally
                {
                    _resolving = false;
                }

                if (beyondBridge is { } found)
                {
                    Learn(found, port);
                    return found;
                }
            }

            if (port != except && port is VethDevice { Peer: { RxHandler: { } beyond } peer }
                && beyond.ResolveBeyond(peer, address, asker ?? Mac) is { } remote)
            {
                Learn(remote, port); // the reply came back through this port
                return remote;
            }

            if (port != except && port is PhysicalNic { FarEnd: { } far } && far.Master is null && far.AnswersArpFor(address))
            {
                Learn(far.Mac, port);
                return far.Mac; // a host cabled to a switch port
            }
        }

        return null;
    }

    /// <summary>br_fdb_update: the source MAC of a frame seen on a port is on that port, now; static entries stay where they are.</summary>
    private void Learn(MacAddress mac, NetDevice port)
    {
        if (!_fdb.TryGetValue(mac.Value, out var known) || known.SeenPs != long.MaxValue)
        {
            _fdb[mac.Value] = (port, Host.Sim.Now.Picoseconds);
        }
    }

    private void Forward(NetDevice? ingress, ref PacketWalk walk, Netfilter.Iptables? nf)
    {
        // br_forward's should_deliver() refuses a hairpin before the bridge's FORWARD hooks run.
        var port = PortOf(walk.P.DestinationMac);
        if (port is not null && port == ingress && !HairpinPorts.Contains(port))
        {
            Drop(ref walk, nf, DropReason.BridgeHairpin);
            return;
        }

        if (port is not null)
        {
            if (PassHooks(nf, ref walk))
            {
                port.Transmit(ref walk);
            }

            return;
        }

        // Unknown destination: a copy to every other port (br_flood), made after the work done so far; each copy
        // crosses the bridge's FORWARD and POSTROUTING hooks on its own, as br_forward does for every clone.
        Floods++;
        walk.Flush();
        NetDevice? last = null;
        foreach (var candidate in _ports)
        {
            if (candidate == ingress)
            {
                continue;
            }

            if (last is not null)
            {
                int copy = Host.Pool.Rent();
                Host.Pool[copy] = walk.P;
                Host.Pool[copy].ConntrackShared = true;
                var copyWalk = new PacketWalk(Host, copy);
                if (PassHooks(nf, ref copyWalk))
                {
                    last.Transmit(ref copyWalk);
                }
            }

            last = candidate;
        }

        if (last is null)
        {
            Drop(ref walk, nf, DropReason.NoBridgePort);
            return;
        }

        if (PassHooks(nf, ref walk))
        {
            last.Transmit(ref walk);
        }
    }

    /// <summary>br_netfilter's FORWARD and POSTROUTING for a bridged frame; false if it was dropped there.</summary>
    private bool PassHooks(Netfilter.Iptables? nf, ref PacketWalk walk)
    {
        if (nf is null)
        {
            return true;
        }

        if (nf.Run(Netfilter.NetfilterHook.Forward, ref walk, this, this) == Netfilter.Verdict.Drop)
        {
            Drop(ref walk, nf, DropReason.Netfilter);
            return false;
        }

        // IPVS's reply hook sits on FORWARD too (ip_vs_reply4), so br_netfilter lets a bridged reply from a
        // real server be un-NATed: what makes IPVS mode work for a client and endpoint on one bridge.
        Namespace.Ipvs?.TryReply(ref walk, this);
        if (nf.Run(Netfilter.NetfilterHook.PostRouting, ref walk, null, this) == Netfilter.Verdict.Drop)
        {
            Drop(ref walk, nf, DropReason.Netfilter);
            return false;
        }

        return true;
    }

    /// <summary>
    /// The bridge's one drop exit (as kfree_skb_reason): a connection the frame opened and never confirmed is
    /// given back to conntrack first, then the packet is counted dropped for <paramref name="reason"/>.
    /// </summary>
    private void Drop(ref PacketWalk walk, Netfilter.Iptables? nf, DropReason reason)
    {
        nf?.Forget(ref walk);
        walk.Drop(reason, this);
    }
}
