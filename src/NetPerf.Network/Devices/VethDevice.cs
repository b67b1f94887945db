using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// One end of a veth pair: what one end transmits, the other receives, through the backlog of the same core
/// (veth_xmit calls netif_rx; drivers/net/veth.c). No wire, no serialisation: only CPU.
/// </summary>
public sealed class VethDevice : NetDevice, ISegmentHandler
{
    private VethDevice(NetworkNamespace ns, string name, int mtu)
        : base(ns, name, mtu)
    {
    }

    public VethDevice Peer { get; private set; } = null!;

    /// <summary>The link is up: false after <c>ip link set DEV down</c> (or a container's death), when nothing leaves.</summary>
    public bool CarrierUp { get; set; } = true;

    /// <summary>
    /// tx-checksumming (<c>ethtool -K DEV tx off</c> clears it): without checksum offload the device has no TSO
    /// (netdev_fix_features drops TSO without a checksum feature), so a GSO packet TCP built for it is cut into
    /// its segments in software before veth_xmit (validate_xmit_skb), each one a packet from there on. Weave's
    /// sleeve-only mode turns it off on every pod's end (weaveworks/weave net/veth.go CreateAndAttachVeth:
    /// EthtoolTXOff when the bridge type is Bridge), so that its pcap capture reads frames, not super-packets.
    /// </summary>
    public bool TxChecksumOffload { get; set; } = true;

    /// <summary><c>ip link add NAME type veth peer name PEER</c>, each end in its namespace.</summary>
    public static (VethDevice End, VethDevice Peer) CreatePair(NetworkNamespace ns, string name, NetworkNamespace peerNs, string peerName, int mtu = 1500)
    {
        var a = new VethDevice(ns, name, mtu);
        var b = new VethDevice(peerNs, peerName, mtu);
        a.Peer = b;
        b.Peer = a;
        return (a, b);
    }

    public override void Transmit(ref PacketWalk walk)
    {
        if (!CarrierUp || !Peer.CarrierUp)
        {
            walk.Drop(DropReason.CarrierDown, this);
            return;
        }

        if (!RunTcEgress(ref walk))
        {
            return; // dropped or redirected by the tc egress program (Cilium's cil_from_host on cilium_host)
        }

        if (!TxChecksumOffload && walk.P.Segments > 1)
        {
            SoftwareSegmentation.Each(ref walk, this, this);
            return;
        }

        TransmitOne(ref walk);
    }

    void ISegmentHandler.HandleSegment(ref PacketWalk walk) => TransmitOne(ref walk);

    private void TransmitOne(ref PacketWalk walk)
    {
        walk.Charge(KernelStage.VethTransmit, this);
        if (Peer.Namespace != Namespace)
        {
            walk.P.Scrub(); // dev_forward_skb scrubs a packet that changes namespace
        }
        else
        {
            // skb_scrub_packet(skb, xnet = false) still drops the conntrack reference (nf_reset_ct); only the mark
            // stays within one namespace (ff70202b2d1a, "dev_forward_skb: do not scrub skb mark within the same
            // name space"). Weave's vethwe-bridge / vethwe-datapath pair is such a veth.
            walk.P.ResetConntrack();
        }

        QueueToBacklog(ref walk, Peer);
    }

    /// <summary>
    /// bpf_redirect_peer(this device) from a tc ingress program: the packet switches into the peer's namespace
    /// and is received by the peer in the same softirq (skb_do_redirect sets the peer as the skb's device and
    /// __netif_receive_skb_core takes another round), with no veth_xmit and no trip through the backlog queue
    /// (net/core/filter.c, "bpf: add bpf_redirect_peer helper", 9aa1206e8f48). The namespace crossing still scrubs it.
    /// </summary>
    public void RedirectToPeer(ref PacketWalk walk)
    {
        if (!CarrierUp || !Peer.CarrierUp)
        {
            walk.Drop(DropReason.CarrierDown, this);
            return;
        }

        if (Peer.Namespace != Namespace)
        {
            walk.P.Scrub();
        }

        Peer.Receive(ref walk);
    }

    public override MacAddress? ResolveOnLink(Ipv4Address address)
    {
        // A bridge port does no ARP of its own: the request reaches the bridge, which answers for its addresses
        // and passes it on to the other ports.
        if (Peer.Master is not null)
        {
            return Peer.Master.ResolveOnSegment(address, except: Peer, asker: Mac);
        }

        return Peer.AnswersArpFor(address) ? Peer.Mac : null;
    }
}
