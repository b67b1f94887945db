using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Devices;

/// <summary>What a UDP tunnel device (VXLAN, Geneve) does to a packet the same way whatever its header.</summary>
internal static class UdpTunnel
{
    /// <summary>
    /// Encapsulation or decapsulation, once per packet the tunnel sees (VXLAN and Geneve alike: geneve_build_skb and
    /// geneve_udp_encap_recv do what vxlan_build_skb and vxlan_rcv do, with their own header). The per-byte part was measured on
    /// 1,400-byte datagrams that were not GSO packets (tools/kernel-costs/measure.sh), and is charged over their
    /// size. A GSO super-packet (or a GRO aggregate) is one skb to the tunnel, and the tunnel reads and writes only
    /// its headers: vxlan_xmit_one and vxlan_build_skb (drivers/net/vxlan/vxlan_core.c) make headroom
    /// (skb_cow_head, which copies at most the linear head), push the VXLAN header and mark the skb
    /// SKB_GSO_UDP_TUNNEL (iptunnel_handle_offloads, net/ipv4/ip_tunnel_core.c: no checksum computed for a GSO
    /// skb, the inner one stays CHECKSUM_PARTIAL), and udp_tunnel_xmit_skb only writes the outer UDP/IP headers
    /// (the outer checksum, if any, is left to the segmentation that runs later, per segment: GsoSegment where it
    /// is software). vxlan_rcv on an aggregate pulls the outer headers once (__iptunnel_pull_header's
    /// skb_pull_rcsum adjusts the checksum over the pulled bytes alone) and hands the inner frame on. So a
    /// super-packet pays the fixed cost once and the per-byte part over the outer headers only, whatever its size.
    /// </summary>
    public static void Charge(ref PacketWalk walk, NetDevice tunnel, KernelStage stage, int overheadBytes)
    {
        if (walk.P.Segments > 1)
        {
            walk.ChargeBytes(stage, tunnel.Namespace, overheadBytes, tunnel);
        }
        else
        {
            walk.Charge(stage, tunnel);
        }
    }

    /// <summary>
    /// The tunnel socket's receive: udp_rcv finds the encapsulation socket, whose encap_rcv (vxlan_rcv,
    /// geneve_udp_encap_recv) strips the outer headers; the inner frame is a new packet to netfilter. The caller
    /// queues it to its device's backlog.
    /// </summary>
    public static void Decapsulate(ref PacketWalk walk, NetDevice tunnel, KernelStage stage, int overheadBytes)
    {
        walk.Charge(KernelStage.UdpInput, tunnel.Namespace);
        Charge(ref walk, tunnel, stage, overheadBytes);
        ref var p = ref walk.P;
        p.SourceMac = p.Encapsulation.InnerSourceMac;
        p.DestinationMac = p.Encapsulation.InnerDestinationMac;
        p.Encapsulation = Encapsulation.None;
        p.OuterDontFragment = false;
        p.Scrub();
    }
}
