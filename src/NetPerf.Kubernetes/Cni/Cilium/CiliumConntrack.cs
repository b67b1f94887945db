using NetPerf.Network.Addressing;
using NetPerf.Network.Bpf;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Which of a flow's conntrack entries a key names (the direction flags of Cilium's ipv4_ct_tuple: TUPLE_F_OUT,
/// TUPLE_F_IN, TUPLE_F_SERVICE), so one tuple's egress, ingress and service entries are separate entries of one map.
/// </summary>
internal enum CtScope : byte
{
    /// <summary>CT_EGRESS at cil_from_container: what an endpoint sends (its replies pass the endpoint's ingress policy); a translated flow's keeps the frontend (rev_nat_index).</summary>
    Egress,

    /// <summary>CT_INGRESS at the endpoint's ingress program: a connection its policy accepted.</summary>
    Ingress,

    /// <summary>CT_SERVICE at nodeport_lb4: a NodePort flow's backend and how it is forwarded.</summary>
    Service,

    /// <summary>The reply side of a NodePort flow delivered to a local backend, or of a DSR flow: the frontend the reply's source goes back to.</summary>
    NodePortReply,
}

/// <summary>A key of Cilium's conntrack maps: the tuple as the entry's direction sees it, and that direction.</summary>
internal readonly record struct CtKey(FiveTuple Tuple, CtScope Scope);

/// <summary>
/// A conntrack entry's state (struct ct_entry): for a translated flow the frontend its replies' source goes back
/// to (rev_nat_index) and whether it came by DSR; for a NodePort flow its backend and forwarding.
/// </summary>
internal readonly record struct CtEntry(Ipv4Address FrontendAddress, ushort FrontendPort, bool Dsr, NodePortFlow NodePort)
{
    public bool HasFrontend => FrontendPort != 0;

    public static CtEntry Frontend(Ipv4Address address, ushort port, bool dsr = false) => new(address, port, dsr, default);
}

/// <summary>
/// A node's conntrack and NAT maps (bpf/lib/conntrack_map.h, bpf/lib/nat.h): cilium_ct4_global for TCP,
/// cilium_ct_any4_global for everything else, cilium_snat_v4_external for the BPF SNAT, each a
/// BPF_MAP_TYPE_LRU_HASH, so a full map takes a new entry by reclaiming an old one and never refuses it.
/// </summary>
internal sealed class CiliumConntrack
{
    public CiliumConntrack(string node, CiliumMapSizes sizes, Network.Topology.Host host)
    {
        Tcp = new LruHashMap<CtKey, CtEntry>("cilium_ct4_global", sizes.CtTcp);
        Any = new LruHashMap<CtKey, CtEntry>("cilium_ct_any4_global", sizes.CtAny);
        Nat = new LruHashMap<FiveTuple, FiveTuple>("cilium_snat_v4_external", sizes.Nat);
        host.BpfLruMaps.Add(Tcp);
        host.BpfLruMaps.Add(Any);
        host.BpfLruMaps.Add(Nat);
        Node = node;
    }

    public string Node { get; }

    public LruHashMap<CtKey, CtEntry> Tcp { get; }

    public LruHashMap<CtKey, CtEntry> Any { get; }

    /// <summary>
    /// The SNAT map's reverse entries: the tuple a backend's reply arrives with (backend to this node's address
    /// and the port the SNAT gave) and the client tuple it is translated back to.
    /// </summary>
    public LruHashMap<FiveTuple, FiveTuple> Nat { get; }

    /// <summary>get_ct_map4: TCP's map for TCP, the any map for the rest.</summary>
    public LruHashMap<CtKey, CtEntry> For(IpProtocol protocol) => protocol == IpProtocol.Tcp ? Tcp : Any;

    public bool TryGet(in FiveTuple tuple, CtScope scope, out CtEntry entry) => For(tuple.Protocol).TryGetValue(new CtKey(tuple, scope), out entry);
}
