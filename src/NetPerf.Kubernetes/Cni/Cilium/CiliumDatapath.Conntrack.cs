using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// The programs' conntrack and NAT map work (bpf/lib/conntrack.h ct_lookup4 and ct_create4, bpf/lib/nat.h
/// snat_v4_new_mapping) on the node's LRU maps (<see cref="CiliumConntrack"/>): a known entry is found within the
/// program's own stage; a new one is written at <see cref="KernelStage.BpfMapInsert"/>, and into a full map also
/// pays the LRU's reclaim of an old entry (<see cref="KernelStage.BpfLruEvict"/>).
/// </summary>
public sealed partial class CiliumDatapath
{
    /// <summary>
    /// cil_from_container's ct_lookup4 (CT_EGRESS) on what an endpoint sends: a reply of a connection its ingress
    /// accepted, or a packet of one it opened, is known; anything else is CT_NEW and gets its egress entry, which
    /// lets the replies past the endpoint's ingress policy and keeps a translated flow's frontend.
    /// </summary>
    internal void TrackEgress(CiliumNodeState node, NetDevice device, ref PacketWalk walk, in CtEntry entry)
    {
        var flow = walk.P.Flow;
        if (!node.Conntrack.Lookup(flow.Reversed, CtScope.Ingress, CtDirection.Egress, TcpFlagsOf(ref walk), out _))
        {
            Track(node, flow, CtScope.Egress, entry, device, ref walk);
        }
    }

    /// <summary>
    /// ct_create4, or the lookup that finds the entry: an entry not in the map is written (a new entry's insert,
    /// and when the map is full the LRU's reclaim of an old one, charged); a known one is rewritten only if its
    /// state changed, as part of the program's own work.
    /// </summary>
    internal static void Track(CiliumNodeState node, in FiveTuple tuple, CtScope scope, in CtEntry entry, NetDevice device, ref PacketWalk walk)
    {
        var conntrack = node.Conntrack;
        var direction = DirectionOf(scope);
        var flags = TcpFlagsOf(ref walk);
        if (conntrack.Lookup(tuple, scope, direction, flags, out var known))
        {
            if (known != entry)
            {
                conntrack.Rewrite(tuple, scope, entry);
            }

            return;
        }

        walk.Charge(KernelStage.BpfMapInsert, device);
        if (conntrack.Create(tuple, scope, direction, flags, entry))
        {
            walk.Charge(KernelStage.BpfLruEvict, device);
        }
    }

    /// <summary>The direction ct_lookup4 is called with for an entry of <paramref name="scope"/>: egress at cil_from_container, ingress at the endpoint's ingress program, CT_SERVICE at the load balancer; a NodePort flow's reply entry is looked up by the replies, leaving.</summary>
    internal static CtDirection DirectionOf(CtScope scope) => scope switch
    {
        CtScope.Ingress => CtDirection.Ingress,
        CtScope.Service => CtDirection.Service,
        _ => CtDirection.Egress,
    };

    /// <summary>The flags of the packet's TCP header (what ct_lookup4 loads at l4_off + 12); none for other protocols.</summary>
    internal static TcpFlags TcpFlagsOf(ref PacketWalk walk) => walk.P.VisibleTcpFlags;

    /// <summary>A new entry in the node's SNAT map (snat_v4_new_mapping writes one per direction), charged as <see cref="Track"/>'s.</summary>
    internal static void TrackNat(CiliumNodeState node, in FiveTuple key, in FiveTuple value, NetDevice device, ref PacketWalk walk)
    {
        if (node.Conntrack.Nat.TryGetValue(key, out var known) && known == value)
        {
            return; // the mapping's other half was reclaimed, this one is still held
        }

        walk.Charge(KernelStage.BpfMapInsert, device);
        if (node.Conntrack.Nat.Set(key, value))
        {
            walk.Charge(KernelStage.BpfLruEvict, device);
        }
    }
}
