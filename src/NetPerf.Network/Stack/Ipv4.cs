using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Routing;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// IPv4 in a namespace: output of locally generated packets (ip_local_out), input (ip_rcv), forwarding
/// (ip_forward) and local delivery (ip_local_deliver). Routing always looks at the visible header: the outer one
/// of a tunnelled packet.
/// </summary>
public static class Ipv4
{
    /// <summary>net.ipv4.ip_default_ttl.</summary>
    public const byte DefaultTtl = 64;

    /// <summary>A packet generated in <paramref name="ns"/> (by a socket, or re-headed by a tunnel device) leaves.</summary>
    public static void Output(NetworkNamespace ns, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.FibLookup, ns);
        var route = ns.Fib.Lookup(walk.P.VisibleFlow.Destination);
        if (route is null || route.Type is RouteType.Blackhole or RouteType.Unreachable)
        {
            walk.Drop(DropReason.NoRoute, null);
            return;
        }

        if (route.Type == RouteType.Local)
        {
            // To ourselves: through lo, whatever device holds the address.
            walk.Charge(KernelStage.IpOutput, ns.Loopback);
            ns.Loopback.Transmit(ref walk);
            return;
        }

        Send(ns, route, KernelStage.IpOutput, ref walk);
    }

    /// <summary>A packet arrived on <paramref name="device"/>: deliver it here, forward it, or drop it.</summary>
    public static void Receive(NetDevice device, ref PacketWalk walk)
    {
        var ns = device.Namespace;
        walk.Charge(KernelStage.IpInput, device);
        walk.Charge(KernelStage.FibLookup, ns, device);
        var route = ns.Fib.Lookup(walk.P.VisibleFlow.Destination);
        if (route is null || route.Type is RouteType.Blackhole or RouteType.Unreachable)
        {
            walk.Drop(DropReason.NoRoute, device);
            return;
        }

        if (route.Type == RouteType.Local)
        {
            LocalDeliver(ns, device, ref walk);
            return;
        }

        if (!ns.IpForward)
        {
            walk.Drop(DropReason.ForwardingDisabled, device);
            return;
        }

        ref var p = ref walk.P;
        ref byte ttl = ref p.Encapsulation.Kind == EncapsulationKind.None ? ref p.Ttl : ref p.OuterTtl;
        if (ttl <= 1)
        {
            walk.Drop(DropReason.TtlExpired, device);
            return;
        }

        ttl--;
        Send(ns, route, KernelStage.IpForward, ref walk);
    }

    private static void LocalDeliver(NetworkNamespace ns, NetDevice device, ref PacketWalk walk)
    {
        var flow = walk.P.VisibleFlow;
        var endpoint = ns.Endpoint(flow.Protocol, flow.DestinationPort);
        if (endpoint is null)
        {
            walk.Drop(DropReason.NoSocket, device);
            return;
        }

        endpoint.Deliver(ref walk);
    }

    /// <summary>Chooses the next hop, checks the MTU, resolves the neighbour and hands the packet to the device.</summary>
    private static void Send(NetworkNamespace ns, Route route, KernelStage stage, ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        var flow = p.VisibleFlow;
        var hop = route.SelectNextHop(flow.Hash());
        var device = ns.Device(hop.Interface);
        walk.Charge(stage, device);
        var nextHop = hop.IsDirect ? flow.Destination : hop.Gateway;
        walk.NextHop = nextHop;

        if (p.IpLength > device.Mtu)
        {
            // Fragmentation, and ICMP frag-needed back to the sender, are not modelled yet: dropped and counted.
            walk.Drop(DropReason.MtuExceeded, device);
            return;
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

        device.Transmit(ref walk);
    }
}
