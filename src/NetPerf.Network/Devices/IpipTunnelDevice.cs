using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// An IP-in-IP tunnel without a fixed remote (Calico's tunl0): the outer destination is the gateway of the
/// route that chose the device (<c>10.244.2.0/26 via NODE dev tunl0 onlink</c>), the outer header is 20 bytes,
/// protocol 4. No link layer, so no neighbour lookup. Received protocol-4 packets are stripped and enter through
/// this device's backlog on the same core (net/ipv4/ipip.c).
/// </summary>
public sealed class IpipTunnelDevice : NetDevice, ILocalEndpoint
{
    public IpipTunnelDevice(NetworkNamespace ns, string name, Ipv4Address local, int mtu = 1480)
        : base(ns, name, mtu)
    {
        Local = local;
        ns.Bind(IpProtocol.IpInIp, 0, this);
    }

    public Ipv4Address Local { get; }

    public override bool HasLinkLayer => false;

    /// <summary>
    /// ip_tunnel_xmit (net/ipv4/ip_tunnel.c): the outer header copies the inner DF (tunl0 is made with pmtudisc,
    /// the default, and without ignore-df). tnl_update_pmtu takes the MTU of the route to the remote less the
    /// 20-byte header; a DF packet larger than that, if it is not a GSO packet, is answered here with ICMP
    /// "fragmentation needed" to its sender (icmp_ndo_send) and dropped. A GSO packet gets no error: its
    /// segments leave with DF and are lost at ip_fragment (the sender learns the MTU only when it resends a
    /// single segment, after its retransmission timeout). Without DF the outer packet is fragmented.
    /// </summary>
    public override void Transmit(ref PacketWalk walk)
    {
        walk.Charge(KernelStage.IpipEncapsulate, this);
        ref var p = ref walk.P;
        if (p.DontFragment && p.Segments == 1)
        {
            int mtu = (Namespace.RouteTo(walk.NextHop)?.Mtu ?? int.MaxValue) - HeaderSizes.IpIpOverhead;
            if (p.IpLength > mtu)
            {
                Ipv4.SendFragmentationNeeded(Namespace, mtu, ref walk, this);
                return;
            }
        }

        var outer = new FiveTuple(Local, walk.NextHop, IpProtocol.IpInIp, 0, 0);
        p.Encapsulation = new Encapsulation(EncapsulationKind.IpInIp, outer, 0);
        p.OuterDontFragment = p.DontFragment;
        p.Scrub();
        p.OuterTtl = p.Ttl; // tunl0's default "ttl 0": the outer header inherits the inner TTL (ip_tunnel_xmit)
        Ipv4.Output(Namespace, ref walk);
    }

    void ILocalEndpoint.Deliver(ref PacketWalk walk)
    {
        walk.Charge(KernelStage.IpipDecapsulate, this);
        walk.P.Encapsulation = Encapsulation.None;
        walk.P.OuterDontFragment = false;
        walk.P.Scrub();
        QueueToBacklog(ref walk, this);
    }
}
