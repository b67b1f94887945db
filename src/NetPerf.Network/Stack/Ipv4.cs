using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Routing;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// IPv4 in a namespace: output of locally generated packets (ip_local_out), input (ip_rcv), forwarding
/// (ip_forward) and local delivery (ip_local_deliver), with the netfilter hooks where the kernel has them:
/// PREROUTING before the input route lookup, INPUT before delivery, FORWARD after the TTL check, OUTPUT after
/// the output route lookup (which is redone if OUTPUT changed the destination), POSTROUTING before the MTU check
/// and the neighbour. Routing always looks at the visible header: the outer one of a tunnelled packet.
/// </summary>
public static class Ipv4
{
    /// <summary>net.ipv4.ip_default_ttl.</summary>
    public const byte DefaultTtl = 64;

    /// <summary>A packet generated in <paramref name="ns"/> (by a socket, or re-headed by a tunnel device) leaves.</summary>
    public static void Output(NetworkNamespace ns, ref PacketWalk walk)
    {
        var route = OutputRoute(ns, ref walk);
        if (route is null)
        {
            Drop(ns, ref walk, DropReason.NoRoute, null);
            return;
        }

        var hop = ChooseHop(ns, route, ref walk);
        if (ns.Netfilter is { } nf)
        {
            var before = walk.P.VisibleFlow.Destination;
            var outDevice = route.Type == RouteType.Local ? ns.Loopback : ns.Device(hop.Interface);
            if (nf.Run(NetfilterHook.Output, ref walk, null, outDevice) == Verdict.Drop)
            {
                Drop(ns, ref walk, nf.LastDropReason, null);
                return;
            }

            if (walk.P.VisibleFlow.Destination != before)
            {
                // DNAT in OUTPUT: route again for the new destination (ip_route_me_harder).
                route = OutputRoute(ns, ref walk);
                if (route is null)
                {
                    Drop(ns, ref walk, DropReason.NoRoute, null);
                    return;
                }

                hop = ChooseHop(ns, route, ref walk);
            }
        }

        if (route.Type == RouteType.Local)
        {
            // To ourselves: through lo, whatever device holds the address.
            walk.Charge(KernelStage.IpOutput, ns.Loopback);
            if (PostRouting(ns, ns.Loopback, ref walk))
            {
                ns.Loopback.Transmit(ref walk);
            }

            return;
        }

        Send(ns, hop, ns.Device(hop.Interface), KernelStage.IpOutput, ref walk);
    }

    /// <summary>A packet arrived on <paramref name="device"/>: deliver it here, forward it, or drop it.</summary>
    public static void Receive(NetDevice device, ref PacketWalk walk)
    {
        var ns = device.Namespace;
        walk.Charge(KernelStage.IpInput, device);
        if (walk.P.IsVisibleFragment && ns.Netfilter is not null && !Fragmentation.Reassemble(ns, device, ref walk))
        {
            return; // nf_defrag_ipv4 (PREROUTING, priority -400): conntrack sees whole datagrams only
        }

        if (ns.Netfilter is { } nf && nf.Run(NetfilterHook.PreRouting, ref walk, device, null) == Verdict.Drop)
        {
            Drop(ns, ref walk, nf.LastDropReason, device);
            return;
        }

        ReceiveRouted(device, ref walk);
    }

    /// <summary>
    /// The rest of input after PREROUTING: the route decides between local delivery and forwarding. This is the
    /// one routing decision of a received packet (ip_rcv_finish, net/ipv4/ip_input.c), taken after PREROUTING,
    /// so a DNAT there is routed by it and costs no lookup of its own.
    /// </summary>
    internal static void ReceiveRouted(NetDevice device, ref PacketWalk walk)
    {
        var ns = device.Namespace;
        walk.Charge(KernelStage.FibLookup, ns, device);
        ReceiveRouted(device, ref walk, ns.Fib.Lookup(walk.P.VisibleFlow.Destination));
    }

    /// <summary>
    /// Input with the route already looked up: br_netfilter routes a packet it DNATed (br_nf_pre_routing_finish,
    /// net/bridge/br_netfilter_hooks.c) and the skb keeps that dst, so ip_rcv_finish finds skb_valid_dst and does
    /// not look it up again.
    /// </summary>
    internal static void ReceiveRouted(NetDevice device, ref PacketWalk walk, Route? route)
    {
        var ns = device.Namespace;
        if (route is null || route.Type is RouteType.Blackhole or RouteType.Unreachable)
        {
            Drop(ns, ref walk, DropReason.NoRoute, device);
            return;
        }

        if (route.Type == RouteType.Local)
        {
            if (ns.Netfilter is { } input && input.Run(NetfilterHook.Input, ref walk, device, null) == Verdict.Drop)
            {
                Drop(ns, ref walk, DropReason.Netfilter, device);
                return;
            }

            if (ns.Ipvs is { } ipvs)
            {
                // LOCAL_IN priority 98: after the filter table, before nat INPUT and conntrack confirmation.
                ipvs.TryReply(ref walk, device);
                switch (ipvs.TryRequest(ref walk, device))
                {
                    case Ipvs.IpvsVerdict.Forward:
                        // ip_vs_nat_xmit: out again through LOCAL_OUT and POSTROUTING to the real server, where the
                        // connection is confirmed with its reply tuple already altered.
                        Output(ns, ref walk);
                        return;
                    case Ipvs.IpvsVerdict.NoDestination:
                        SendPortUnreachable(ns, ref walk, device);
                        return;
                }
            }

            if (ns.Netfilter is { } finish && finish.FinishInput(ref walk, device) == Verdict.Drop)
            {
                Drop(ns, ref walk, finish.LastDropReason, device);
                return;
            }

            LocalDeliver(ns, device, ref walk);
            return;
        }

        if (!ns.IpForward)
        {
            Drop(ns, ref walk, DropReason.ForwardingDisabled, device);
            return;
        }

        ref var p = ref walk.P;
        ref byte ttl = ref p.Encapsulation.Kind == EncapsulationKind.None ? ref p.Ttl : ref p.OuterTtl;
        if (ttl <= 1)
        {
            Drop(ns, ref walk, DropReason.TtlExpired, device);
            return;
        }

        var hop = ChooseHop(ns, route, ref walk);
        var egress = ns.Device(hop.Interface);
        if (p.VisibleDontFragment && p.LargestSegmentIpLength > egress.Mtu)
        {
            // ip_forward checks DF against the egress device's MTU before the FORWARD hook; a path MTU it learned
            // is not used for forwarding (net.ipv4.ip_forward_use_pmtu 0, ip_dst_mtu_maybe_forward). A tunnelled
            // packet is checked by its outer header, and the error goes to the tunnel's source.
            SendFragmentationNeeded(ns, egress.Mtu, ref walk, egress);
            return;
        }

        ttl--;
        if (ns.Netfilter is { } forward && forward.Run(NetfilterHook.Forward, ref walk, device, egress) == Verdict.Drop)
        {
            Drop(ns, ref walk, DropReason.Netfilter, device);
            return;
        }

        ns.Ipvs?.TryReply(ref walk, device); // ip_vs_reply4 sits after the filter table on FORWARD

        Send(ns, hop, egress, KernelStage.IpForward, ref walk);
    }

    /// <summary>
    /// bpf_redirect_neigh from a tc program (net/core/filter.c __bpf_redirect_neigh_v4): the FIB decides the
    /// egress device and next hop, the neighbour subsystem fills in the MACs, and the packet goes straight to the
    /// device's transmit: no ip_forward, no netfilter hook, no POSTROUTING. False (nothing done) when the FIB has no
    /// unicast route out of a device with a link layer, so the program can pass the packet to the stack instead.
    /// </summary>
    public static bool RedirectNeighbour(NetworkNamespace ns, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.FibLookup, ns);
        ref var p = ref walk.P;
        var route = ns.Fib.Lookup(p.VisibleFlow.Destination);
        if (route is not { Type: RouteType.Unicast })
        {
            return false;
        }

        var hop = ChooseHop(ns, route, ref walk);
        var device = ns.Device(hop.Interface);
        if (!device.HasLinkLayer)
        {
            return false;
        }

        var nextHop = hop.IsDirect ? p.VisibleFlow.Destination : hop.Gateway;
        var mac = ns.Resolve(device, nextHop);
        if (mac is null)
        {
            walk.Drop(DropReason.NeighbourUnresolved, device);
            return true;
        }

        if (p.LargestSegmentIpLength > device.Mtu)
        {
            walk.Drop(DropReason.PktTooBig, device); // the helper does not fragment (is_skb_forwardable)
            return true;
        }

        walk.NextHop = nextHop;
        p.SourceMac = device.Mac;
        p.DestinationMac = mac.Value;
        device.Transmit(ref walk);
        return true;
    }

    private static Route? OutputRoute(NetworkNamespace ns, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.FibLookup, ns);
        var route = ns.Fib.Lookup(walk.P.VisibleFlow.Destination);
        return route is null || route.Type is RouteType.Blackhole or RouteType.Unreachable ? null : route;
    }

    /// <summary>
    /// The route's next hop for this flow (one of several under ECMP), decided once per routing decision from the
    /// 5-tuple (fib_multipath_hash_policy=1, what a switch's ECMP hashes) keyed by the namespace's hash seed.
    /// </summary>
    private static NextHop ChooseHop(NetworkNamespace ns, Route route, ref PacketWalk walk) =>
        route.Type == RouteType.Local ? default : route.SelectNextHop(walk.P.VisibleFlow.Hash(ns.MultipathHashSeed));

    private static void LocalDeliver(NetworkNamespace ns, NetDevice device, ref PacketWalk walk)
    {
        if (walk.P.IsVisibleFragment && !Fragmentation.Reassemble(ns, device, ref walk))
        {
            return;
        }

        var flow = walk.P.VisibleFlow;
        if (flow.Protocol == IpProtocol.Icmp)
        {
            // icmp_rcv: a "fragmentation needed" lowers the path MTU towards the quoted destination.
            // A port unreachable goes to the socket that sent the quoted datagram (tcp_v4_err: ECONNREFUSED, a hard
            // error in SYN-SENT; udp_err: on a connected socket).
            walk.Charge(KernelStage.Icmp, device);
            if (walk.P.IcmpError != IcmpError.None)
            {
                var quoted = walk.P.IcmpQuotedFlow;
                if (walk.P.IcmpNextHopMtu > 0)
                {
                    ns.LearnPathMtu(quoted.Destination, walk.P.IcmpNextHopMtu);
                }

                if (ns.Endpoint(quoted.Protocol, quoted.SourcePort) is IIcmpErrorReceiver socket)
                {
                    socket.DeliverIcmpError(ref walk); // tcp_v4_err: the socket shrinks its MSS and resends, or is refused
                    return;
                }
            }

            walk.Consume();
            return;
        }

        var endpoint = ns.Endpoint(flow.Protocol, flow.DestinationPort);
        if (endpoint is null)
        {
            TcpReset.RefuseAndDrop(ns, device, ref walk); // a TCP SYN is answered with a RST (ECONNREFUSED); anything else is dropped
            return;
        }

        endpoint.Deliver(ref walk);
    }

    /// <summary>Runs POSTROUTING, checks the MTU, resolves the neighbour and hands the packet to the chosen hop's device.</summary>
    private static void Send(NetworkNamespace ns, NextHop hop, NetDevice device, KernelStage stage, ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        walk.Charge(stage, device);
        var nextHop = hop.IsDirect ? p.VisibleFlow.Destination : hop.Gateway;
        walk.NextHop = nextHop;

        if (!PostRouting(ns, device, ref walk))
        {
            return;
        }

        bool fragment = false;
        // A forwarded packet meets the device's MTU (ip_dst_mtu_maybe_forward), a locally sent one its path's.
        int mtu = stage == KernelStage.IpForward ? device.Mtu : ns.RouteMtu(device, p.VisibleFlow.Destination);
        if (p.LargestSegmentIpLength > mtu)
        {
            if (p.VisibleDontFragment)
            {
                // ip_fragment with DF (IPSTATS_MIB_FRAGFAILS): a socket's own send was refused earlier (EMSGSIZE);
                // what gets here is a tunnel's outer packet with DF, whose "fragmentation needed" would go to this
                // node itself, its source: the packet is lost and the inner sender learns nothing.
                walk.Drop(DropReason.PktTooBig, device);
                return;
            }

            fragment = true;
        }

        if (device.HasLinkLayer)
        {
            var mac = ns.Resolve(device, nextHop);
            if (mac is null)
            {
                walk.Drop(DropReason.NeighbourUnresolved, device);
                return;
            }

            p.SourceMac = device.Mac;
            p.DestinationMac = mac.Value;
        }

        if (fragment)
        {
            Fragmentation.FragmentAndTransmit(device, mtu, ref walk);
            return;
        }

        device.Transmit(ref walk);
    }

    /// <summary>
    /// A DF packet cannot go on at <paramref name="mtu"/> (a router's egress, a tunnel that cannot carry it): it is
    /// dropped (SKB_DROP_REASON_PKT_TOO_BIG) and the source of its visible header gets an ICMP destination
    /// unreachable, fragmentation needed (type 3 code 4; RFC 792, RFC 1191) carrying the next-hop MTU and the
    /// quoted header, from the address of the interface the error leaves by. The error is a locally generated
    /// packet: it crosses this namespace's OUTPUT and POSTROUTING, where a firewall may drop it.
    /// </summary>
    internal static void SendFragmentationNeeded(NetworkNamespace ns, int mtu, ref PacketWalk walk, NetDevice at)
    {
        walk.Charge(KernelStage.Icmp, at);
        var quoted = walk.P.VisibleFlow;
        int core = walk.P.Core;
        Drop(ns, ref walk, DropReason.PktTooBig, at);

        var back = ns.Fib.Lookup(quoted.Source);
        var from = back is { Type: RouteType.Unicast } ? IcmpSource(ns, ns.Device(back.NextHops[0].Interface)) : null;
        if (from is null)
        {
            return; // no way back to the sender
        }

        SendIcmpError(ns, from.Value, quoted, core, IcmpError.FragmentationNeeded, mtu);
    }

    /// <summary>
    /// ip_vs_leave: a packet for a virtual service with no usable real server is dropped
    /// (<see cref="DropReason.IpvsNoDestination"/>) and its source gets an ICMP destination unreachable, port
    /// unreachable (type 3 code 3) quoting its header, when the namespace's limits allow one (<see cref="IcmpRateLimit"/>;
    /// icmp_send). The packet was for a local address, so the error comes from that address, the virtual service's
    /// (__icmp_send: saddr = iph->daddr when the route is RTCF_LOCAL), and crosses OUTPUT and POSTROUTING as any
    /// locally generated packet. (icmpv4_xrlim_allow leaves a destination on loopback unlimited; no client of a
    /// virtual service in the model sits behind lo, so every error here is limited.)
    /// </summary>
    internal static void SendPortUnreachable(NetworkNamespace ns, ref PacketWalk walk, NetDevice at)
    {
        walk.Charge(KernelStage.Icmp, at);
        var quoted = walk.P.VisibleFlow;
        int core = walk.P.Core;
        Drop(ns, ref walk, DropReason.IpvsNoDestination, at);
        if (!ns.IcmpRateLimit.Allow(quoted.Source.Value, ns.Host.Sim.Now.Picoseconds))
        {
            return; // icmpv4_xrlim_allow or icmp_global_allow said no: a silent drop, the client resends
        }

        SendIcmpError(ns, quoted.Destination, quoted, core, IcmpError.PortUnreachable, nextHopMtu: 0);
    }

    /// <summary>An ICMP error from <paramref name="from"/> to the quoted packet's source, quoting its header, out through OUTPUT as any locally generated packet.</summary>
    private static void SendIcmpError(NetworkNamespace ns, Ipv4Address from, FiveTuple quoted, int core, IcmpError error, int nextHopMtu)
    {
        var host = ns.Host;
        int icmp = host.Pool.Rent();
        ref var e = ref host.Pool[icmp];
        e.Flow = new FiveTuple(from, quoted.Source, IpProtocol.Icmp, 0, 0);
        e.TransportHeaderBytes = 8;                     // ICMP header
        e.PayloadBytes = Packets.HeaderSizes.Ipv4 + 8;  // the quoted IP header and 64 bits of its data
        e.Ttl = DefaultTtl;
        e.Core = core;
        e.SentAtPs = host.Sim.Now.Picoseconds;
        e.IcmpError = error;
        e.IcmpNextHopMtu = nextHopMtu;
        e.IcmpQuotedFlow = quoted;
        var icmpWalk = new PacketWalk(host, icmp);
        Output(ns, ref icmpWalk);
    }

    /// <summary>
    /// The source of an ICMP error: the address of the device it leaves by, or, for a device without one (a
    /// Calico cali veth), another of the namespace's (inet_select_addr falls back to any device's address).
    /// </summary>
    private static Ipv4Address? IcmpSource(NetworkNamespace ns, NetDevice egress)
    {
        if (egress.PrimaryAddress is { } own)
        {
            return own;
        }

        foreach (var device in ns.Devices)
        {
            if (device != ns.Loopback && device.PrimaryAddress is { } other)
            {
                return other;
            }
        }

        return null;
    }

    private static bool PostRouting(NetworkNamespace ns, NetDevice device, ref PacketWalk walk)
    {
        if (ns.Netfilter is { } nf && nf.Run(NetfilterHook.PostRouting, ref walk, null, device) == Verdict.Drop)
        {
            walk.Drop(nf.LastDropReason, device);
            return false;
        }

        return true;
    }

    /// <summary>Drops a packet, first freeing the connection it opened if that was never confirmed.</summary>
    private static void Drop(NetworkNamespace ns, ref PacketWalk walk, DropReason reason, NetDevice? device)
    {
        ns.Netfilter?.Forget(ref walk);
        walk.Drop(reason, device);
    }
}
