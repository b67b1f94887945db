using NetPerf.Engine.Time;
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

/// <summary>The direction a program looks an entry up in (ct_lookup4's dir: CT_EGRESS, CT_INGRESS, CT_SERVICE): which side's closing flag a FIN sets, and which lifetimes apply.</summary>
internal enum CtDirection : byte
{
    Egress,
    Ingress,
    Service,
}

/// <summary>
/// What a conntrack map holds for a key (struct ct_entry): the state the programs read, and what __ct_lookup keeps
/// of the flow's life: its lifetime (now plus a timeout, rewritten by every packet of a live entry), whether each
/// side has seen a FIN or RST (rx_closing, tx_closing) and whether a packet other than a SYN was seen (seen_non_syn).
/// </summary>
internal struct CtRecord
{
    public CtEntry State;
    public long LifetimePs;
    public bool RxClosing;
    public bool TxClosing;
    public bool SeenNonSyn;

    /// <summary>ct_entry_alive: not closed on both sides.</summary>
    public readonly bool Alive => !RxClosing || !TxClosing;
}

/// <summary>
/// A node's conntrack and NAT maps (bpf/lib/conntrack_map.h, bpf/lib/nat.h): cilium_ct4_global for TCP,
/// cilium_ct_any4_global for everything else, cilium_snat_v4_external for the BPF SNAT, each a
/// BPF_MAP_TYPE_LRU_HASH, so a full map takes a new entry by reclaiming an old one and never refuses it.
/// Entries carry the lifetimes of bpf/lib/conntrack.h (<see cref="Lookup"/>, <see cref="Create"/>), and leave when the
/// LRU reclaims them or when the agent's garbage collector finds them expired (<see cref="CollectGarbage"/>): the
/// datapath itself never checks a lifetime, so an expired entry a packet finds before the collector runs is used
/// and refreshed like any other.
/// </summary>
/// <remarks>
/// The collector (pkg/maps/ctmap/gc Enable) scans, then waits conntrack-gc-interval if one is set, else an interval
/// that adapts to what the last scan deleted (<see cref="CiliumConntrackTimeouts.NextGcInterval"/>, from 5
/// minutes). Its first scan, at the agent's start, finds the maps empty here (they are made with the node), so the
/// first that can delete runs one interval in. As netfilter's gc_worker in <c>Conntrack</c>, a due scan runs at the
/// maps' first use after it is due (every access goes through this class), the only moment its result can change
/// what a packet meets; so an idle cluster has no collector events and a run to an empty queue ends. Its work is
/// the agent's, in user space: not charged to the node's kernel stages. The wake-up the datapath sends when SNAT
/// port allocation struggles (SignalNatFillUp) is not modelled: the model's SNAT keeps the flow's own port and
/// never retries.
/// </remarks>
internal sealed class CiliumConntrack
{
    private readonly Network.Topology.Host _host;
    private readonly LruHashMap<FiveTuple, FiveTuple> _nat;
    private long _gcDuePs;

    public CiliumConntrack(string node, CiliumMapSizes sizes, Network.Topology.Host host, CiliumConntrackTimeouts? timeouts = null)
    {
        Tcp = new LruHashMap<CtKey, CtRecord>("cilium_ct4_global", sizes.CtTcp);
        Any = new LruHashMap<CtKey, CtRecord>("cilium_ct_any4_global", sizes.CtAny);
        _nat = new LruHashMap<FiveTuple, FiveTuple>("cilium_snat_v4_external", sizes.Nat);
        host.BpfLruMaps.Add(Tcp);
        host.BpfLruMaps.Add(Any);
        host.BpfLruMaps.Add(_nat);
        Node = node;
        Timeouts = timeouts ?? CiliumConntrackTimeouts.Default;
        _host = host;
        GcInterval = Timeouts.GcInterval > SimTime.Zero ? Timeouts.GcInterval : CiliumConntrackTimeouts.GcStartingInterval;
        _gcDuePs = host.Sim.Now.Picoseconds + GcInterval.Picoseconds;
    }

    public string Node { get; }

    public CiliumConntrackTimeouts Timeouts { get; }

    public LruHashMap<CtKey, CtRecord> Tcp { get; }

    public LruHashMap<CtKey, CtRecord> Any { get; }

    /// <summary>
    /// The SNAT map's reverse entries: the tuple a backend's reply arrives with (backend to this node's address
    /// and the port the SNAT gave) and the client tuple it is translated back to.
    /// </summary>
    public LruHashMap<FiveTuple, FiveTuple> Nat
    {
        get
        {
            RunDueGc();
            return _nat;
        }
    }

    /// <summary>The collector's wait before its next scan.</summary>
    public SimTime GcInterval { get; private set; }

    /// <summary>Scans the garbage collector has made, and the conntrack entries it deleted.</summary>
    public int GcRuns { get; private set; }

    public long GcDeleted { get; private set; }

    /// <summary>get_ct_map4: TCP's map for TCP, the any map for the rest.</summary>
    public LruHashMap<CtKey, CtRecord> For(IpProtocol protocol)
    {
        RunDueGc();
        return protocol == IpProtocol.Tcp ? Tcp : Any;
    }

    /// <summary>Runs the collector's scans that have come due since the maps were last used, each at its own time.</summary>
    private void RunDueGc()
    {
        long now = _host.Sim.Now.Picoseconds;
        while (_gcDuePs <= now)
        {
            double ratio = CollectGarbage(_gcDuePs);
            if (Timeouts.GcInterval == SimTime.Zero)
            {
                GcInterval = CiliumConntrackTimeouts.NextGcInterval(GcInterval, ratio);
            }

            _gcDuePs += GcInterval.Picoseconds;
        }
    }

    /// <summary>The entry's state, marking it used but with no other side effect of a packet's lookup (a program re-reading what it just wrote).</summary>
    public bool TryGet(in FiveTuple tuple, CtScope scope, out CtEntry entry)
    {
        if (For(tuple.Protocol).TryGetValue(new CtKey(tuple, scope), out var record))
        {
            entry = record.State;
            return true;
        }

        entry = default;
        return false;
    }

    /// <summary>The whole record, without marking it used (tests and describe).</summary>
    public bool TryGetRecord(in FiveTuple tuple, CtScope scope, out CtRecord record)
    {
        record = default;
        var map = For(tuple.Protocol);
        var key = new CtKey(tuple, scope);
        if (!map.ContainsKey(key))
        {
            return false;
        }

        ref var found = ref map.GetValueRefOrNullRef(key);
        record = found;
        return true;
    }

    /// <summary>
    /// A packet's lookup (__ct_lookup) of an entry, with what it does to a found one: a live entry's lifetime is
    /// rewritten (ct_update_timeout: the SYN timeout until a packet other than a SYN is seen, then the connection's;
    /// a CT_SERVICE entry the service lifetimes); a FIN or RST marks its side closing (CT_INGRESS the rx side, else
    /// tx; a RST before both SYNs were seen closes both, not in CT_SERVICE, which sees one direction) and, once both
    /// sides are, the entry gets CT_CLOSE_TIMEOUT; a SYN that finds a closing entry reopens it (CT_REOPENED: a new
    /// connection on the tuple reuses the entry). False, and nothing done, when the map does not hold it (CT_NEW).
    /// </summary>
    public bool Lookup(in FiveTuple tuple, CtScope scope, CtDirection direction, TcpFlags flags, out CtEntry entry)
    {
        ref var record = ref For(tuple.Protocol).GetValueRefOrNullRef(new CtKey(tuple, scope));
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref record))
        {
            entry = default;
            return false;
        }

        Touch(ref record, tuple.Protocol == IpProtocol.Tcp, direction, flags);
        entry = record.State;
        return true;
    }

    /// <summary>
    /// ct_create4: a new entry for the packet's flow, its lifetime set as the lookup would set it. True when the
    /// insert reclaimed the least recently used entry of a full map.
    /// </summary>
    public bool Create(in FiveTuple tuple, CtScope scope, CtDirection direction, TcpFlags flags, in CtEntry entry)
    {
        var record = new CtRecord { State = entry };
        UpdateTimeout(ref record, tuple.Protocol == IpProtocol.Tcp, direction, flags);
        return For(tuple.Protocol).Set(new CtKey(tuple, scope), record);
    }

    /// <summary>A program rewrites a found entry's state (a new backend, a NodePort flow's forwarding), keeping its life.</summary>
    public void Rewrite(in FiveTuple tuple, CtScope scope, in CtEntry entry)
    {
        ref var record = ref For(tuple.Protocol).GetValueRefOrNullRef(new CtKey(tuple, scope));
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref record))
        {
            record.State = entry;
        }
    }

    private void Touch(ref CtRecord record, bool tcp, CtDirection direction, TcpFlags flags)
    {
        bool onlySyns = !record.SeenNonSyn; // before this packet's refresh marks a RST as a non-SYN
        if (record.Alive)
        {
            UpdateTimeout(ref record, tcp, direction, flags);
        }

        if (!tcp)
        {
            return;
        }

        if ((flags & (TcpFlags.Fin | TcpFlags.Rst)) != 0)
        {
            // ACTION_CLOSE. The model keeps no per-side SYN flags: a RST on an entry that never saw a packet
            // other than a SYN stands for one that has not seen both SYNs.
            if ((flags & TcpFlags.Rst) != 0 && onlySyns && direction != CtDirection.Service)
            {
                record.RxClosing = record.TxClosing = true;
            }
            else if (direction == CtDirection.Ingress)
            {
                record.RxClosing = true;
            }
            else
            {
                record.TxClosing = true;
            }

            if (!record.Alive)
            {
                record.LifetimePs = _host.Sim.Now.Picoseconds + Timeouts.RegularTcpFin.Picoseconds;
            }
        }
        else if ((flags & TcpFlags.Syn) != 0 && (record.RxClosing || record.TxClosing))
        {
            // ACTION_CREATE with a SYN on a closing entry: CT_REOPENED.
            record.RxClosing = record.TxClosing = false;
            UpdateTimeout(ref record, tcp, direction, flags);
        }
    }

    /// <summary>ct_update_timeout: now plus the lifetime the entry's kind and state call for.</summary>
    private void UpdateTimeout(ref CtRecord record, bool tcp, CtDirection direction, TcpFlags flags)
    {
        var t = Timeouts;
        SimTime lifetime = direction == CtDirection.Service ? t.ServiceAny : t.RegularAny;
        if (tcp)
        {
            record.SeenNonSyn |= (flags & TcpFlags.Syn) == 0;
            lifetime = !record.SeenNonSyn ? t.RegularTcpSyn : direction == CtDirection.Service ? t.ServiceTcp : t.RegularTcp;
        }

        record.LifetimePs = _host.Sim.Now.Picoseconds + lifetime.Picoseconds;
    }

    /// <summary>
    /// One scan of the agent's garbage collector at <paramref name="now"/> (pkg/maps/ctmap GC with RemoveExpired): every conntrack entry whose
    /// lifetime has passed is deleted, and with a NodePort flow's CT_SERVICE entry the two SNAT mappings it made
    /// (purgeCtEntry: a NAT entry goes with its conntrack entry). Returns the largest share of a map's max_entries
    /// deleted, which sets the next interval.
    /// </summary>
    private double CollectGarbage(long now)
    {
        GcRuns++;
        double ratio = 0;
        foreach (var map in (ReadOnlySpan<LruHashMap<CtKey, CtRecord>>)[Tcp, Any])
        {
            int deleted = map.RemoveWhere(static (_, r, s) => r.LifetimePs < s.Now, (Now: now, Nat: _nat), static (key, r, s) =>
            {
                if (key.Scope == CtScope.Service && r.State.NodePort.Forwarded.Protocol != 0 && !r.State.NodePort.Dsr)
                {
                    s.Nat.Remove(r.State.NodePort.Forwarded.Reversed);
                    s.Nat.Remove(r.State.NodePort.Forwarded);
                }
            });
            GcDeleted += deleted;
            ratio = Math.Max(ratio, deleted / (double)map.Capacity);
        }

        return ratio;
    }
}
