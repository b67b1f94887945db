using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// A VXLAN device (flannel.1: VNI 1, UDP port 8472). Transmitting wraps the frame in outer Ethernet/IP/UDP/VXLAN
/// headers addressed to the VTEP its FDB names for the inner destination MAC, and sends the result through this
/// namespace's IP output like any locally generated packet (so it crosses OUTPUT and POSTROUTING). Receiving is
/// the UDP socket on the port: the outer headers are stripped and the inner frame enters through this device's
/// backlog on the same core (drivers/net/vxlan/vxlan_core.c).
/// </summary>
public sealed class VxlanDevice : NetDevice, ILocalEndpoint, IMetadataTunnel
{
    /// <summary>flannel's default port, the Linux kernel's historical one (IANA's is 4789).</summary>
    public const ushort FlannelPort = 8472;

    private readonly Dictionary<ulong, Ipv4Address> _fdb = [];

    public VxlanDevice(NetworkNamespace ns, string name, uint vni, Ipv4Address localVtep, ushort port = FlannelPort, int mtu = 1450)
        : base(ns, name, mtu)
    {
        Vni = vni;
        LocalVtep = localVtep;
        Port = port;
        ns.Bind(IpProtocol.Udp, port, this);
    }

    /// <summary>
    /// The outer header's DF (<c>df</c>), unset by default as the kernel's is. The device is routed, not a bridge
    /// port, so whatever the setting it never answers an inner packet too large for the underlay with an ICMP
    /// error of its own: skb_tunnel_check_pmtu only updates the inner route's PMTU, which forwarding ignores
    /// (ip_forward_use_pmtu 0), and builds a reply only for a bridged device. With DF the outer packet is then
    /// lost at ip_fragment, whose error goes to the node itself; without it the node fragments the outer packet.
    /// </summary>
    public VxlanDf Df { get; set; }

    public uint Vni { get; }
    public Ipv4Address LocalVtep { get; }
    public ushort Port { get; }

    /// <summary><c>bridge fdb append MAC dev flannel.1 dst VTEP</c>: where frames for a remote MAC are tunnelled.</summary>
    public void AddForwardingEntry(MacAddress remoteMac, Ipv4Address remoteVtep) => _fdb[remoteMac.Value] = remoteVtep;

    public override void Transmit(ref PacketWalk walk)
    {
        ChargeTunnel(ref walk, KernelStage.VxlanEncapsulate);
        ref var p = ref walk.P;
        if (!_fdb.TryGetValue(p.DestinationMac.Value, out var vtep))
        {
            walk.Drop(DropReason.NoTunnelEndpoint, this);
            return;
        }

        Encapsulate(ref walk, vtep, Vni);
    }

    /// <summary>
    /// Transmits with the tunnel key given by the caller rather than the FDB: a metadata-based device
    /// (<c>external</c>, collect_md) as an Open vSwitch vxlan vport is, whose datapath's set(tunnel(...)) action
    /// names the remote VTEP and VNI per packet (vxlan_xmit with a metadata dst).
    /// </summary>
    public void TransmitTo(ref PacketWalk walk, Ipv4Address vtep, uint vni)
    {
        ChargeTunnel(ref walk, KernelStage.VxlanEncapsulate);
        Encapsulate(ref walk, vtep, vni);
    }

    private void Encapsulate(ref PacketWalk walk, Ipv4Address vtep, uint vni)
    {
        ref var p = ref walk.P;
        var outer = new FiveTuple(LocalVtep, vtep, IpProtocol.Udp, Encapsulation.UdpFlowSourcePort(p.Flow.Hash()), Port);
        p.Encapsulation = new Encapsulation(EncapsulationKind.Vxlan, outer, vni, p.SourceMac, p.DestinationMac);
        p.OuterDontFragment = Df switch
        {
            VxlanDf.Set => true,
            VxlanDf.Inherit => p.DontFragment,
            _ => false,
        };
        p.Scrub(); // the outer packet is a new packet to netfilter (iptunnel_xmit: skb_scrub_packet)
        p.OuterTtl = Ipv4.DefaultTtl;
        Ipv4.Output(Namespace, ref walk);
    }

    void ILocalEndpoint.Deliver(ref PacketWalk walk)
    {
        // udp_rcv finds the encapsulation socket, whose encap_rcv is vxlan_rcv.
        UdpTunnel.Decapsulate(ref walk, this, KernelStage.VxlanDecapsulate, HeaderSizes.VxlanOverhead);
        QueueToBacklog(ref walk, this);
    }

    private void ChargeTunnel(ref PacketWalk walk, KernelStage stage) => UdpTunnel.Charge(ref walk, this, stage, HeaderSizes.VxlanOverhead);
}
