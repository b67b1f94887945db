using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// One end of a veth pair: what one end transmits, the other receives, through the backlog of the same core
/// (veth_xmit calls netif_rx; drivers/net/veth.c). No wire, no serialisation: only CPU.
/// </summary>
public sealed class VethDevice : NetDevice
{
    private VethDevice(NetworkNamespace ns, string name, int mtu)
        : base(ns, name, mtu)
    {
    }

    public VethDevice Peer { get; private set; } = null!;

    /// <summary>The link is up: false after <c>ip link set DEV down</c> (or a container's death), when nothing leaves.</summary>
    public bool CarrierUp { get; set; } = true;

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
