using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Stack;

/// <summary>
/// tcp_v4_send_reset (net/ipv4/tcp_ipv4.c): a segment that finds no socket to take it is answered with a RST,
/// sent from the kernel's per-CPU control socket on the core that received it. For a SYN to a port nobody
/// listens on, the RST carries ACK = the SYN's sequence + 1 and sequence 0 (RFC 9293 3.10.7.1), which the
/// connecting end accepts as "connection refused". A RST is never answered with a RST.
/// </summary>
public static class TcpReset
{
    /// <summary>
    /// Answers the segment <paramref name="walk"/> carries, which <paramref name="ns"/> has no socket for, then
    /// drops it as <see cref="DropReason.NoSocket"/> (the kernel frees it as SKB_DROP_REASON_NO_SOCKET after
    /// sending the reset). Only SYNs are answered here: stray segments of connections already gone are dropped
    /// unanswered, as before this model sent resets.
    /// </summary>
    public static void RefuseAndDrop(NetworkNamespace ns, NetDevice? device, ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        var flow = p.VisibleFlow;
        var syn = p.Tcp;
        int flowId = p.FlowId, core = p.Core;
        bool answer = flow.Protocol == IpProtocol.Tcp && (syn.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn;
        walk.Drop(DropReason.NoSocket, device);
        if (!answer)
        {
            return;
        }

        var host = ns.Host;
        int id = host.Pool.Rent();
        ref var rst = ref host.Pool[id];
        rst.Flow = new FiveTuple(flow.Destination, flow.Source, IpProtocol.Tcp, flow.DestinationPort, flow.SourcePort);
        rst.TransportHeaderBytes = HeaderSizes.Tcp; // no options
        rst.Ttl = Ipv4.DefaultTtl;
        rst.DontFragment = true;
        rst.SentAtPs = host.Sim.Now.Picoseconds;
        rst.FlowId = flowId;
        rst.Core = core;
        rst.Tcp = new TcpHeader
        {
            Sequence = 0,
            Acknowledgement = syn.Sequence + 1,
            Flags = TcpFlags.Rst | TcpFlags.Ack,
        };
        host.CountResetSent();
        var reply = new PacketWalk(host, id);
        reply.Charge(KernelStage.TcpOutput, ns);
        Ipv4.Output(ns, ref reply);
    }
}
