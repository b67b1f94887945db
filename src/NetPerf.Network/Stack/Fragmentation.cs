using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// IPv4 fragmentation (RFC 791; net/ipv4/ip_output.c ip_fragment): a packet too large for the egress MTU and
/// without DF is cut into fragments whose data is a multiple of 8 bytes (the last excepted), each with its own
/// 20-byte IP header; the transport header travels in the first. A fragment may be fragmented again further on:
/// it keeps its datagram's identity. The receiver reassembles before local delivery (ip_defrag), counting data
/// bytes until the whole datagram is there, and forgets an incomplete one after 30 s (net.ipv4.ipfrag_time).
/// </summary>
internal static class Fragmentation
{
    public static readonly Engine.Time.SimTime ReassemblyTimeout = Engine.Time.SimTime.FromSeconds(30);

    /// <summary>Data bytes per fragment (all but the last) for an egress MTU.</summary>
    public static int FragmentData(int mtu) => (mtu - HeaderSizes.Ipv4) & ~7;

    /// <summary>Cuts the walk's packet into fragments and transmits each on <paramref name="device"/>.</summary>
    public static void FragmentAndTransmit(NetDevice device, ref PacketWalk walk)
    {
        var host = walk.Host;
        ref var original = ref walk.P;
        int data = original.TransportHeaderBytes + original.PayloadBytes;
        int per = FragmentData(device.Mtu);
        int count = (data + per - 1) / per;
        if (original.DatagramId == 0)
        {
            original.DatagramId = host.Testbed.NextDatagramId();
            original.DatagramPayloadBytes = original.PayloadBytes;
            original.DatagramTransportHeaderBytes = original.TransportHeaderBytes;
        }

        original.Hops++;
        walk.Flush(); // the fragments queue behind the work that made them

        Packet template = original;
        for (int i = 0; i < count; i++)
        {
            int bytes = Math.Min(per, data - (i * per));
            int packet = i == count - 1 ? walk.Packet : host.Pool.Rent();
            ref var fragment = ref host.Pool[packet];
            fragment = template;
            fragment.TransportHeaderBytes = 0; // fragment data counts as payload: only the IP header is added
            fragment.PayloadBytes = bytes;
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
                ns.Host.CountDrop(DropReason.ReassemblyTimeout); // the old, incomplete datagram is dropped
            }
            else
            {
                held = state.Bytes;
            }
        }

        long total = held + p.PayloadBytes;
        if (total < p.DatagramPayloadBytes + p.DatagramTransportHeaderBytes)
        {
            queue[key] = (total, held == 0 ? now : state.FirstPs);
            walk.Consume(); // held by the reassembly queue: its memory is not modelled, the packet slot is freed
            return false;
        }

        queue.Remove(key);
        p.PayloadBytes = p.DatagramPayloadBytes;
        p.TransportHeaderBytes = p.DatagramTransportHeaderBytes;
        p.DatagramId = 0;
        return true;
    }
}
