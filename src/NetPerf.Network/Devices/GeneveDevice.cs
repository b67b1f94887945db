using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// A Geneve device in metadata mode (<c>ip link add cilium_geneve type geneve external</c>, UDP 6081), as
/// drivers/net/geneve.c runs it: a packet given a tunnel key is wrapped in outer IPv4, UDP and Geneve headers
/// (<see cref="HeaderSizes.GeneveOverhead"/>, no options) and sent through this namespace's IP output as the
/// node's own (OUTPUT, POSTROUTING); receiving is the UDP socket on the port (geneve_udp_encap_recv), which strips
/// the outer headers and hands the inner frame to this device through its gro_cells on the same core, as VXLAN's.
/// </summary>
public sealed class GeneveDevice : NetDevice, ILocalEndpoint, IMetadataTunnel
{
    /// <summary>GENEVE_UDP_PORT (include/net/geneve.h), IANA's port for Geneve and the one Cilium's cilium_geneve uses.</summary>
    public const ushort DefaultPort = 6081;

    public GeneveDevice(NetworkNamespace ns, string name, Ipv4Address local, ushort port = DefaultPort, int mtu = 1500)
        : base(ns, name, mtu)
    {
        Local = local;
        Port = port;
        ns.Bind(IpProtocol.Udp, port, this);
    }

    /// <summary>The outer source address (the node's: a metadata device has no remote of its own, and its key need not name a source).</summary>
    public Ipv4Address Local { get; }

    public ushort Port { get; }

    /// <summary>
    /// A packet the stack routed out of the device, with no tunnel key: a metadata device has nowhere to send it
    /// (geneve_xmit: "no tunnel metadata", tx_dropped).
    /// </summary>
    public override void Transmit(ref PacketWalk walk) => walk.Drop(DropReason.NoTunnelEndpoint, this);

    /// <summary>
    /// geneve_xmit_skb with the key a program set: the outer header's DF only if the key asks for it, which
    /// Cilium's ctx_set_encap_info does not (it passes BPF_F_ZERO_CSUM_TX alone), so the node may fragment the
    /// outer packet as the kernel's default VXLAN does.
    /// </summary>
    public void TransmitTo(ref PacketWalk walk, Ipv4Address remote, uint vni)
    {
        ChargeTunnel(ref walk, KernelStage.GeneveEncapsulate);
        ref var p = ref walk.P;
        var outer = new FiveTuple(Local, remote, IpProtocol.Udp, Encapsulation.UdpFlowSourcePort(p.Flow.Hash()), Port);
        p.Encapsulation = new Encapsulation(EncapsulationKind.Geneve, outer, vni, p.SourceMac, p.DestinationMac);
        p.OuterDontFragment = false;
        p.Scrub(); // the outer packet is a new packet to netfilter (udp_tunnel_xmit_skb -> iptunnel_xmit: skb_scrub_packet)
        p.OuterTtl = Ipv4.DefaultTtl;
        Ipv4.Output(Namespace, ref walk);
    }

    void ILocalEndpoint.Deliver(ref PacketWalk walk)
    {
        // udp_rcv finds the encapsulation socket, whose encap_rcv is geneve_udp_encap_recv.
        UdpTunnel.Decapsulate(ref walk, this, KernelStage.GeneveDecapsulate, HeaderSizes.GeneveOverhead);
        QueueToBacklog(ref walk, this);
    }

    private void ChargeTunnel(ref PacketWalk walk, KernelStage stage) => UdpTunnel.Charge(ref walk, this, stage, HeaderSizes.GeneveOverhead);
}
