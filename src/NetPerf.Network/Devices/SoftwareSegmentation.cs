using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Devices;

/// <summary>What goes on with each segment of a GSO packet cut in software: the rest of a transmit, or a capture.</summary>
internal interface ISegmentHandler
{
    void HandleSegment(ref PacketWalk walk);
}

/// <summary>
/// skb_gso_segment where the kernel cuts a GSO packet into its segments before a device that cannot take it whole
/// (validate_xmit_skb, net/core/dev.c, on a device without checksum offload, so without TSO), or before handing it
/// to user space frame by frame (ovs_dp_upcall's queue_gso_packets, net/openvswitch/datapath.c). Each segment is a
/// packet of its own from then on, so every later stage is paid per segment.
/// </summary>
internal static class SoftwareSegmentation
{
    /// <summary>Charges the cuts at <paramref name="at"/>, then hands each segment, the walk's own packet last, to <paramref name="next"/>.</summary>
    /// <remarks>Generic so that a struct handler (the IP fragmenter's device and MTU) costs no allocation per packet.</remarks>
    public static void Each<THandler>(ref PacketWalk walk, NetDevice at, THandler next)
        where THandler : ISegmentHandler
    {
        int segments = walk.P.Segments;
        walk.Charge(KernelStage.GsoSegment, at.Namespace, at, segments);
        walk.Flush(); // the segments queue behind the work that cut them
        var host = walk.Host;
        Packet template = walk.P;
        for (int i = 0; i < segments; i++)
        {
            bool last = i == segments - 1;
            int packet = last ? walk.Packet : host.Pool.Rent();
            ref var segment = ref host.Pool[packet];
            segment = template;
            segment.BecomeSegment(i);
            if (last)
            {
                next.HandleSegment(ref walk);
            }
            else
            {
                var piece = new PacketWalk(host, packet) { NextHop = walk.NextHop };
                next.HandleSegment(ref piece);
            }
        }
    }
}
