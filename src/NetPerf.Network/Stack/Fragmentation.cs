using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// IPv4 fragmentation (RFC 791; net/ipv4/ip_output.c ip_fragment): a packet too large for the egress MTU and
/// without DF in its visible header is cut into fragments whose data is a multiple of 8 bytes (the last excepted),
/// each with its own IP header; the headers after it travel in the first. A tunnelled packet is fragmented by its
/// outer header: the outer UDP/VXLAN headers and the whole inner packet are the data, and only the first fragment
/// carries them. A GSO packet whose segments are too large is segmented in software first and each segment
/// fragmented (ip_finish_output_gso's slow path: "Local GSO skb transmitted on an NETIF_F_TSO tunnel stacked over
/// an interface with a smaller MTU"). A fragment may be fragmented again further on: it keeps its datagram's
/// identity. The receiver reassembles (ip_defrag) before conntrack when netfilter is loaded (nf_defrag_ipv4 at
/// PREROUTING), else before local delivery, counting data bytes until the whole datagram is there, and drops an
/// incomplete one 30 s after its first fragment (net.ipv4.ipfrag_time; SKB_DROP_REASON_FRAG_REASM_TIMEOUT).
/// </summary>
internal static class Fragmentation
{
    public static readonly Engine.Time.SimTime ReassemblyTimeout = Engine.Time.SimTime.FromSeconds(30);

    /// <summary>Data bytes per fragment (all but the last) for an egress MTU and a 20-byte IP header.</summary>
    public static int FragmentData(int mtu) => FragmentData(mtu, HeaderSizes.Ipv4);

    private static int FragmentData(int mtu, int header) => (mtu - header) & ~7;

    /// <summary>Cuts the walk's packet into fragments that fit <paramref name="mtu"/> (its GSO segments first) and transmits each on <paramref name="device"/>.</summary>
    public static void FragmentAndTransmit(NetDevice device, int mtu, ref PacketWalk walk)
    {
        int segments = walk.P.Segments;
        if (segments == 1)
        {
            FragmentOne(device, mtu, ref walk);
            return;
        }

        Devices.SoftwareSegmentation.Each(ref walk, device, new FragmentEach(device, mtu));
    }

    /// <summary>Each GSO segment fragmented to the MTU, or sent whole where it fits.</summary>
    private readonly struct FragmentEach(NetDevice device, int mtu) : Devices.ISegmentHandler
    {
        public void HandleSegment(ref PacketWalk walk) => FragmentOrTransmit(device, mtu, ref walk);
    }

    private static void FragmentOrTransmit(NetDevice device, int mtu, ref PacketWalk walk)
    {
        if (walk.P.IpLength > mtu)
        {
            FragmentOne(device, mtu, ref walk);
        }
        else
        {
            device.Transmit(ref walk);
        }
    }

    private static void FragmentOne(NetDevice device, int mtu, ref PacketWalk walk)
    {
        var host = walk.Host;
        ref var original = ref walk.P;
        bool outer = original.Encapsulation.Kind != EncapsulationKind.None;
        if (original.DatagramId != 0 && !original.IsVisibleFragment)
        {
            // A fragment of the inner packet, tunnelled and now too large for the underlay: an outer datagram of its
            // own would need a second reassembly state in the packet. Not modelled: lost as a failed fragmentation.
            walk.Drop(DropReason.PktTooBig, device);
            return;
        }

        int header = HeaderSizes.Ipv4 + (outer ? 0 : original.IpOptionBytes);
        int data = original.IpLength - header;
        int per = FragmentData(mtu, header);
        int count = (data + per - 1) / per;
        if (original.DatagramId == 0)
        {
            original.DatagramId = host.Testbed.NextDatagramId();
            original.DatagramDataBytes = data;
            original.OuterFragment = outer;
        }

        // A fragment cut again keeps its datagram's id and total: its pieces count towards the same data.

        original.Hops++;
        walk.Flush(); // the fragments queue behind the work that made them

        Packet template = original;
        for (int i = 0; i < count; i++)
        {
            int bytes = Math.Min(per, data - (i * per));
            int packet = i == count - 1 ? walk.Packet : host.Pool.Rent();
            ref var fragment = ref host.Pool[packet];
            fragment = template;
            fragment.FragmentDataBytes = bytes;
            if (i == count - 1)
            {
                walk.Charge(KernelStage.Fragment, device);
                device.Transmit(ref walk);
            }
            else
            {
                var piece = new PacketWalk(host, packet) { NextHop = walk.NextHop };
                piece.Charge(KernelStage.Fragment, device);
                device.Transmit(ref piece);
            }
        }
    }

    /// <summary>
    /// Takes one fragment for reassembly. Returns true, with the walk's packet turned back into the whole
    /// datagram, when it completed it; false when the fragment was stored and the walk ended.
    /// </summary>
    public static bool Reassemble(NetworkNamespace ns, NetDevice device, ref PacketWalk walk)
    {
        walk.Charge(KernelStage.Reassemble, device);
        ref var p = ref walk.P;
        long now = ns.Host.Sim.Now.Picoseconds;
        var key = (p.Flow, p.DatagramId);
        var queue = ns.ReassemblyQueue;
        long held = 0;
        if (queue.TryGetValue(key, out var state))
        {
            if (now - state.FirstPs > ReassemblyTimeout.Picoseconds)
            {
                ns.Host.CountDrop(DropReason.FragReasmTimeout); // the old, incomplete datagram is dropped
            }
            else
            {
                held = state.Bytes;
            }
        }

        long total = held + p.FragmentDataBytes;
        if (total < p.DatagramDataBytes)
        {
            queue[key] = (total, held == 0 ? now : state.FirstPs);
            walk.Consume(); // held by the reassembly queue: its memory is not modelled, the packet slot is freed
            return false;
        }

        queue.Remove(key);
        p.FragmentDataBytes = 0;
        p.OuterFragment = false;
        p.DatagramDataBytes = 0;
        p.DatagramId = 0;
        return true;
    }
}
