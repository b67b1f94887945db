using NetPerf.Engine.Time;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// A namespace's connection-tracking table. A connection is allocated unconfirmed by its first packet, NAT may
/// change its reply tuple, and it is confirmed (hashed under both its original and its reply tuple) when that
/// packet leaves the hooks. Later packets in either direction find it by their tuple, move its TCP state on,
/// refresh its timeout, and get its NAT applied without walking any rule.
/// </summary>
/// <remarks>
/// The table is bounded as the kernel bounds it (__nf_conntrack_alloc, nf_conntrack_core.c): an allocation that
/// takes the namespace's count past nf_conntrack_max first tries early_drop, which scans
/// <see cref="EvictionRange"/> hash buckets from the new tuple's and deletes the entries there that are not
/// ASSURED (reaping expired ones it meets); if none is found the packet is dropped ("nf_conntrack: table full,
/// dropping packet", the <c>drop</c> statistic) and the garbage collector is told to early-drop. Its next pass
/// (gc_worker) then kills, while the count is at 95% of the maximum or more, every entry that is not ASSURED or
/// is a TCP connection in a closing state (tcp_can_early_drop: FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT,
/// CLOSE). So an ASSURED entry in TIME_WAIT is never evicted from the packet path, only by that pass; and an
/// established one never. The pass runs 1 s after the table is created and then at the mean of the entries'
/// remaining timeouts (each clamped to 1..300 s), the whole clamped to 1..60 s (gc_worker since 5.17). Here a due
/// pass runs at the first allocation after it is due, the only moment its result can change what a packet meets.
/// ASSURED is set as the kernel sets it: TCP on the handshake's third packet (SYN_RECV to ESTABLISHED,
/// nf_conntrack_tcp_packet), or for a connection picked up mid-stream on its first reply; UDP when a flow seen both
/// ways is still active 2 s after it began (nf_conntrack_udp_packet, stream_ts). Timeouts:
/// <see cref="ConntrackTimeouts"/>.
/// </remarks>
public sealed class Conntrack
{
    /// <summary>4 x 65,536 buckets: nf_conntrack_max = 4 x nf_conntrack_htable_size (nf_conntrack_core.c) on a host with 4 GiB or more.</summary>
    public const int DefaultMax = 262_144;

    /// <summary>NF_CT_EVICTION_RANGE: hash buckets early_drop scans (nf_conntrack_core.c).</summary>
    public const int EvictionRange = 8;

    private static readonly long UdpStreamAfter = SimTime.FromSeconds(2).Picoseconds;
    private static readonly long GcFirstRun = SimTime.FromSeconds(1).Picoseconds;
    private static readonly long GcIntervalMin = SimTime.FromSeconds(1).Picoseconds;
    private static readonly long GcIntervalMax = SimTime.FromSeconds(60).Picoseconds;
    private static readonly long GcTimeoutClamp = SimTime.FromSeconds(300).Picoseconds;

    private readonly Dictionary<FiveTuple, int> _byTuple = [];
    private readonly ConntrackSysctls _sysctls;
    private Entry[] _entries = new Entry[64];
    private int[] _free = new int[64];
    private int _freeCount;
    private int _highWater;

    // The hash chains early_drop walks: node 2 x id is an entry's original tuple, 2 x id + 1 its reply tuple, each
    // in the bucket its own tuple hashes to; new nodes go to a chain's head (hlist_nulls_add_head_rcu).
    private readonly Dictionary<int, int> _chainHead = [];
    private int[] _next = new int[130];
    private int[] _prev = new int[130];
    private int[] _nodeBucket = new int[130];
    private int _indexedBuckets;

    private long _gcDuePs = GcFirstRun;
    private bool _gcEarlyDrop;

    public Conntrack(int max = DefaultMax)
        : this(new ConntrackSysctls { Max = max })
    {
    }

    public Conntrack(ConntrackSysctls sysctls)
    {
        _sysctls = sysctls;
    }

    /// <summary>nf_conntrack_max, as the host's sysctl has it now.</summary>
    public int Max => _sysctls.Max;

    public ConntrackTimeouts Timeouts => _sysctls.Timeouts;

    /// <summary>Confirmed connections (expired ones not yet removed included, as /proc/sys/net/netfilter/nf_conntrack_count).</summary>
    public int Count { get; private set; }

    /// <summary>Entries held, confirmed or not (an unconfirmed one belongs to a packet still in the hooks): what the kernel's count compares with the maximum.</summary>
    public int Allocated => _highWater - _freeCount;

    /// <summary>New connections dropped because the table was full and nothing could be early-dropped (<c>conntrack -S</c> drop).</summary>
    public long TableFullDrops { get; private set; }

    /// <summary>Entries early_drop deleted from the packet path to make room (<c>conntrack -S</c> early_drop).</summary>
    public long EarlyDrops { get; private set; }

    /// <summary>Entries the garbage collector killed while told to early-drop (closing TCP or unassured, at 95% full).</summary>
    public long GcEarlyDrops { get; private set; }

    /// <summary>A new connection's tuple clashed with a confirmed one at confirmation and its packet was dropped (<c>conntrack -S</c> insert_failed).</summary>
    public long InsertFailed { get; private set; }

    /// <summary>Insertion races settled without a drop: merged with the identical winner or inserted as a clash (<c>conntrack -S</c> clash_resolve).</summary>
    public long ClashResolved { get; private set; }

    /// <summary>How this table's kernel settles an insertion race.</summary>
    public ConntrackClashResolution ClashResolution => _sysctls.ClashResolution;

    internal struct Entry
    {
        public FiveTuple Original;
        public FiveTuple Reply;
        public long ExpiresPs;
        public long CreatedPs;
        public bool InUse;
        public bool Confirmed;
        public bool SeenReply;
        public bool Assured;
        public bool ManagedByIpvs;
        public TcpConntrackState Tcp;

        /// <summary>The first FIN came in the reply direction (a server closed first).</summary>
        public bool FinFromReply;

        /// <summary>The CPU whose packet confirmed the entry, and when its hash insertion is done on that CPU's clock.</summary>
        public int ConfirmCore;
        public long VisibleAtPs;

        /// <summary>A race's loser inserted under its reply tuple only (IPS_NAT_CLASH, fixed timeout).</summary>
        public bool ClashReplyOnly;
    }

    internal ref Entry this[int id] => ref _entries[id - 1];

    /// <summary>The confirmed connection <paramref name="tuple"/> belongs to, if it has not expired.</summary>
    internal bool TryFind(in FiveTuple tuple, long nowPs, out int id, out bool reply)
    {
        if (_byTuple.TryGetValue(tuple, out int key))
        {
            id = key >> 1;
            reply = (key & 1) != 0;
            if (this[id].ExpiresPs > nowPs)
            {
                return true;
            }

            Remove(id);
        }

        id = 0;
        reply = false;
        return false;
    }

    /// <summary>
    /// A SYN in the original direction of an entry in TIME_WAIT or CLOSE reopens the tuple: the kernel kills the
    /// old entry and tracks the SYN as new (nf_conntrack_tcp_packet returns -NF_REPEAT).
    /// </summary>
    internal bool ReopensClosed(int id, bool reply, TcpFlags flags)
    {
        ref var e = ref this[id];
        if (reply || (flags & (TcpFlags.Syn | TcpFlags.Ack)) != TcpFlags.Syn || e.Tcp is not (TcpConntrackState.TimeWait or TcpConntrackState.Close))
        {
            return false;
        }

        Remove(id);
        return true;
    }

    /// <summary>
    /// Whether the confirmed UDP entry <paramref name="id"/> is not yet in the hash for a packet looked up on
    /// <paramref name="core"/> at <paramref name="atPs"/>: another CPU is still walking the hooks between the
    /// entry's allocation and its confirmation (the model runs a walk's effects at its start and its cost after,
    /// so the confirmation is dated at the cost charged up to it). On the CPU that confirmed it, softirq work is
    /// serial and the entry is always seen. Modelled for UDP only: a TCP flow's second packet waits for the SYN-ACK.
    /// </summary>
    internal bool HiddenFrom(int id, int core, long atPs)
    {
        ref var e = ref this[id];
        return e.Original.Protocol == IpProtocol.Udp && e.ConfirmCore != core && e.VisibleAtPs > atPs;
    }

    /// <summary>How this table's kernel searches for a free SNAT port.</summary>
    public NatPortSearch NatPortSearch => _sysctls.NatPortSearch;

    /// <summary>TIME_WAIT or CLOSE connections killed so that a new SYN could take their SNAT tuple (nf_nat_used_tuple_harder; no <c>conntrack -S</c> counter of its own).</summary>
    public long TimeWaitReused { get; private set; }

    /// <summary>
    /// nf_conntrack_tuple_taken for a SNAT candidate whose reply is <paramref name="reply"/>, as a packet walked on
    /// <paramref name="core"/> at <paramref name="atPs"/> sees the hash: an expired holder is reaped and does not count;
    /// one another CPU confirmed but has not finished inserting is not yet there, which is the SNAT race (a
    /// tuple counts as used only once its conntrack entry is confirmed: two CPUs each setting up a connection
    /// before either confirms can pick the same port, and the second's __nf_conntrack_confirm finds the clash).
    /// With <paramref name="mayReuseTimeWait"/> (nf_nat_used_tuple_harder) a holder that is a TCP connection in
    /// TIME_WAIT or CLOSE that saw a reply, found under its reply tuple, is killed and the tuple is free
    /// (nf_nat_may_kill; nf_seq_has_advanced is taken to hold: a new connection's ISN is clock-based, RFC 6528).
    /// </summary>
    internal bool SnatTupleTaken(in FiveTuple reply, int core, long atPs, long nowPs, bool mayReuseTimeWait)
    {
        if (!_byTuple.TryGetValue(reply, out int key))
        {
            return false;
        }

        int id = key >> 1;
        ref var e = ref this[id];
        if (e.ExpiresPs <= nowPs)
        {
            Remove(id); // nf_ct_is_expired: nf_ct_gc_expired, and the search goes on
            return false;
        }

        if (e.ConfirmCore != core && e.VisibleAtPs > atPs)
        {
            return false;
        }

        if (mayReuseTimeWait && (key & 1) != 0 && e.Original.Protocol == IpProtocol.Tcp && !e.ClashReplyOnly && e.SeenReply
            && e.Tcp is (TcpConntrackState.TimeWait or TcpConntrackState.Close))
        {
            Remove(id);
            TimeWaitReused++;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Allocates an entry for a new connection's first packet, or 0 if the table is full and early_drop found
    /// nothing to evict (the packet is then dropped).
    /// </summary>
    internal int Create(in FiveTuple original, long nowPs, TcpFlags flags = TcpFlags.None)
    {
        if (nowPs >= _gcDuePs)
        {
            CollectGarbage(nowPs);
        }

        if (Allocated + 1 > Max && !EarlyDrop(original, nowPs))
        {
            _gcEarlyDrop = true;
            TableFullDrops++;
            return 0;
        }

        int id = _freeCount > 0 ? _free[--_freeCount] : NewSlot();
        ref var e = ref this[id];
        e = new Entry { Original = original, Reply = original.Reversed, InUse = true, CreatedPs = nowPs };
        if (original.Protocol == IpProtocol.Tcp)
        {
            // tcp_new: a SYN opens SYN_SENT; anything else is picked up mid-stream as ESTABLISHED (nf_conntrack_tcp_loose=1).
            e.Tcp = (flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn ? TcpConntrackState.SynSent : TcpConntrackState.Established;
        }

        e.ExpiresPs = nowPs + TimeoutOf(ref e, stream: false);
        return id;
    }

    /// <summary>Hashes a new connection under both tuples. False if a confirmed one holds either tuple (insert_failed; the packet is dropped).</summary>
    internal bool Confirm(int id, long nowPs) => Confirm(id, nowPs, core: 0, visibleAtPs: nowPs, out _) != ConfirmOutcome.Dropped;

    /// <summary>
    /// __nf_conntrack_confirm: hashes a new connection under both tuples, or settles a clash with an entry another
    /// CPU confirmed first as <see cref="ClashResolution"/> says: merged with an identical winner
    /// (<paramref name="winner"/>, which the packet then belongs to), inserted under its reply tuple only, or
    /// dropped (insert_failed).
    /// </summary>
    internal ConfirmOutcome Confirm(int id, long nowPs, int core, long visibleAtPs, out int winner)
    {
        ref var e = ref this[id];
        winner = 0;
        if (e.Confirmed)
        {
            return ConfirmOutcome.Inserted;
        }

        if (_byTuple.TryGetValue(e.Original, out int clash) && (clash & 1) == 0)
        {
            return ResolveClash(id, clash >> 1, replyFree: !_byTuple.ContainsKey(e.Reply), nowPs, out winner);
        }

        if (_byTuple.ContainsKey(e.Original) || _byTuple.ContainsKey(e.Reply))
        {
            InsertFailed++;
            Release(id);
            return ConfirmOutcome.Dropped;
        }

        e.ConfirmCore = core;
        e.VisibleAtPs = visibleAtPs;

        _byTuple.Add(e.Original, id << 1);
        _byTuple.Add(e.Reply, (id << 1) | 1);
        e.Confirmed = true;
        Count++;
        Link(id);
        return ConfirmOutcome.Inserted;
    }

    /// <summary>
    /// nf_ct_resolve_clash: the loser <paramref name="id"/> found <paramref name="winnerId"/> under its original
    /// tuple. UDP only (the protocols whose tracker sets allow_clash); TCP's loser is dropped in every kernel.
    /// </summary>
    private ConfirmOutcome ResolveClash(int id, int winnerId, bool replyFree, long nowPs, out int winner)
    {
        ref var e = ref this[id];
        ref var w = ref this[winnerId];
        winner = 0;
        bool udp = e.Original.Protocol == IpProtocol.Udp;
        bool identical = w.Reply == e.Reply;
        bool translated = e.Reply != e.Original.Reversed;
        var resolution = _sysctls.ClashResolution;
        if (udp && identical && (resolution != ConntrackClashResolution.UntranslatedOnly || !translated))
        {
            // __nf_ct_resolve_clash: the packet is attached to the entry already in the table; its own is freed.
            ClashResolved++;
            Release(id);
            winner = winnerId;
            return ConfirmOutcome.Merged;
        }

        if (udp && !identical && replyFree && resolution == ConntrackClashResolution.InsertClashing)
        {
            // nf_ct_resolve_clash_harder: hashed under the reply tuple only (the original's insertion is faked),
            // so the answer from the other endpoint is un-NATed; IPS_FIXED_TIMEOUT keeps it from being refreshed.
            _byTuple.Add(e.Reply, (id << 1) | 1);
            e.Confirmed = true;
            e.ClashReplyOnly = true;
            e.VisibleAtPs = nowPs;
            Count++;
            if (_indexedBuckets != 0)
            {
                LinkNode(2 * id + 1, e.Reply);
            }

            ClashResolved++;
            return ConfirmOutcome.Inserted;
        }

        InsertFailed++;
        Release(id);
        return ConfirmOutcome.Dropped;
    }

    /// <summary>
    /// IPVS moved a connection to a real server: its reply tuple becomes the real server's, rehashed, and
    /// conntrack applies no NAT to it (ip_vs_update_conntrack).
    /// </summary>
    internal void AlterReplyForIpvs(int id, in FiveTuple reply)
    {
        ref var e = ref this[id];
        if (e.Confirmed)
        {
            _byTuple.Remove(e.Reply);
            _byTuple[reply] = (id << 1) | 1;
            Unlink(2 * id + 1);
            LinkNode(2 * id + 1, reply);
        }

        e.Reply = reply;
        e.ManagedByIpvs = true;
    }

    /// <summary>A later packet of the connection: its TCP state moves on, ASSURED may be set, the timeout restarts.</summary>
    internal void Refresh(int id, bool reply, long nowPs, TcpFlags flags = TcpFlags.None)
    {
        ref var e = ref this[id];
        bool seenReplyBefore = e.SeenReply;
        e.SeenReply |= reply;
        if (e.ClashReplyOnly)
        {
            return; // IPS_FIXED_TIMEOUT, and never ASSURED (nf_conntrack_udp_packet's IPS_NAT_CLASH case)
        }

        bool stream = false;
        if (e.Original.Protocol == IpProtocol.Tcp)
        {
            Advance(ref e, reply, flags);
        }
        else if (seenReplyBefore)
        {
            // nf_conntrack_udp_packet: a flow seen both ways (IPS_SEEN_REPLY is set after the reply's own
            // packet()) gets the long timeout and ASSURED once still active 2 s after it began (stream_ts); a
            // request and its answer keep 30 s and stay unassured.
            stream = e.Original.Protocol != IpProtocol.Udp || nowPs - e.CreatedPs > UdpStreamAfter;
            e.Assured |= stream && e.Original.Protocol == IpProtocol.Udp;
        }

        e.ExpiresPs = nowPs + TimeoutOf(ref e, stream);
    }

    /// <summary>Frees an entry that was never confirmed (its first packet was dropped).</summary>
    internal void Release(int id)
    {
        ref var e = ref this[id];
        if (!e.InUse || e.Confirmed)
        {
            return;
        }

        e = default;
        _free[_freeCount++] = id;
    }

    /// <summary>
    /// What kube-proxy's CleanStaleEntries deletes for one UDP Service (pkg/proxy/conntrack/cleanup.go): the confirmed
    /// flows to <paramref name="destination"/>:<paramref name="port"/> whose reply source is none of
    /// <paramref name="serving"/> (<c>--orig-dst VIP --orig-port-dst PORT --reply-src X</c> for each such X).
    /// Returns how many it deleted.
    /// </summary>
    public int DeleteNattedExcept(IpProtocol protocol, Addressing.Ipv4Address destination, ushort port, IReadOnlySet<Addressing.Ipv4Address> serving)
    {
        int deleted = 0;
        for (int id = 1; id <= _highWater; id++)
        {
            ref var e = ref this[id];
            if (e.InUse && e.Confirmed && e.Original.Protocol == protocol && e.Original.Destination == destination
                && e.Original.DestinationPort == port && !serving.Contains(e.Reply.Source))
            {
                Remove(id);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>The TCP state and ASSURED bit of the connection <paramref name="tuple"/> belongs to (for tests and traces).</summary>
    public (TcpConntrackState State, bool Assured)? Describe(in FiveTuple tuple, long nowPs) =>
        TryFind(tuple, nowPs, out int id, out _) ? (this[id].Tcp, this[id].Assured) : null;

    /// <summary>The reply tuple of the connection whose original direction is <paramref name="original"/> (<c>conntrack -L</c>'s second tuple: NAT shows there), for tests and traces.</summary>
    public FiveTuple? ReplyOf(in FiveTuple original, long nowPs) =>
        TryFind(original, nowPs, out int id, out bool reply) && !reply ? this[id].Reply : null;

    /// <summary>
    /// The kernel's tcp_conntracks[] transitions for the flags this model sends (RST, SYN, SYN-ACK, FIN, ACK),
    /// indexed as get_conntrack_index does: RST before SYN before FIN before ACK.
    /// </summary>
    private static void Advance(ref Entry e, bool reply, TcpFlags flags)
    {
        bool syn = (flags & TcpFlags.Syn) != 0, ack = (flags & TcpFlags.Ack) != 0, fin = (flags & TcpFlags.Fin) != 0;
        if ((flags & TcpFlags.Rst) != 0)
        {
            e.Tcp = TcpConntrackState.Close;
            return;
        }

        bool fromCloser = reply == e.FinFromReply;
        switch (e.Tcp)
        {
            case TcpConntrackState.SynSent when reply && syn && ack:
                e.Tcp = TcpConntrackState.SynRecv;
                break;
            case TcpConntrackState.SynRecv when !reply && ack && !syn && !fin:
                e.Tcp = TcpConntrackState.Established;
                e.Assured = true; // SYN_RECV -> ESTABLISHED on the handshake's third packet
                break;
            case TcpConntrackState.Established when fin:
                e.Tcp = TcpConntrackState.FinWait;
                e.FinFromReply = reply;
                e.Assured |= e.SeenReply;
                break;
            case TcpConntrackState.Established when reply && !e.Assured:
                e.Assured = true; // a connection picked up mid-stream, answered
                break;
            case TcpConntrackState.FinWait when !fromCloser && fin:
            case TcpConntrackState.CloseWait when !fromCloser && fin:
                e.Tcp = TcpConntrackState.LastAck;
                break;
            case TcpConntrackState.FinWait when !fromCloser && ack:
                e.Tcp = TcpConntrackState.CloseWait;
                break;
            case TcpConntrackState.LastAck when fromCloser && ack && !fin:
                e.Tcp = TcpConntrackState.TimeWait;
                break;
        }
    }

    private long TimeoutOf(ref Entry e, bool stream)
    {
        var t = _sysctls.Timeouts;
        return e.Original.Protocol switch
        {
            IpProtocol.Tcp => t.Of(e.Tcp),
            IpProtocol.Udp => (stream ? t.UdpStream : t.Udp).Picoseconds,
            _ => t.Generic.Picoseconds,
        };
    }

    /// <summary>early_drop: the first of <see cref="EvictionRange"/> buckets from the tuple's that holds unassured entries loses them all.</summary>
    private bool EarlyDrop(in FiveTuple tuple, long nowPs)
    {
        EnsureIndex();
        int buckets = _indexedBuckets;
        int bucket = BucketOf(tuple, buckets);
        for (int i = 0; i < EvictionRange; i++, bucket = (bucket + 1) % buckets)
        {
            int drops = 0;
            int node = _chainHead.GetValueOrDefault(bucket);
            while (node != 0)
            {
                int next = _next[node];
                int id = node >> 1;
                ref var e = ref this[id];
                if (e.ExpiresPs <= nowPs)
                {
                    if (next == 2 * id || next == 2 * id + 1)
                    {
                        next = _next[next]; // its other tuple sat right behind it in this chain
                    }

                    Remove(id); // nf_ct_gc_expired: reaped, but not counted as a drop
                }
                else if (!e.Assured)
                {
                    if (next == 2 * id || next == 2 * id + 1)
                    {
                        next = _next[next];
                    }

                    Remove(id);
                    drops++;
                }

                node = next;
            }

            if (drops > 0)
            {
                EarlyDrops += drops;
                return true;
            }

            if (buckets == 1)
            {
                break;
            }
        }

        return false;
    }

    /// <summary>One pass of gc_worker: reap the expired; when told to early-drop and at 95% full, kill what can be.</summary>
    private void CollectGarbage(long nowPs)
    {
        long max95 = _gcEarlyDrop ? Max / 100L * 95L : long.MaxValue;
        long meanPs = 0;
        long counted = 0;
        for (int id = 1; id <= _highWater; id++)
        {
            ref var e = ref this[id];
            if (!e.Confirmed)
            {
                continue;
            }

            if (e.ExpiresPs <= nowPs)
            {
                Remove(id);
                continue;
            }

            long left = Math.Clamp(e.ExpiresPs - nowPs, GcIntervalMin, GcTimeoutClamp);
            meanPs += (left - meanPs) / ++counted; // the kernel's running mean: expires = (expires - next_run) / ++count

            if (Allocated >= max95 && (!e.Assured || (e.Original.Protocol == IpProtocol.Tcp && CanEarlyDrop(e.Tcp))))
            {
                Remove(id);
                GcEarlyDrops++;
            }
        }

        _gcEarlyDrop = false;
        _gcDuePs = nowPs + (counted == 0 ? GcIntervalMax : Math.Clamp(meanPs, GcIntervalMin, GcIntervalMax));
    }

    /// <summary>tcp_can_early_drop (nf_conntrack_proto_tcp.c).</summary>
    private static bool CanEarlyDrop(TcpConntrackState s) =>
        s is TcpConntrackState.FinWait or TcpConntrackState.LastAck or TcpConntrackState.TimeWait
            or TcpConntrackState.Close or TcpConntrackState.CloseWait;

    private void Remove(int id)
    {
        ref var e = ref this[id];
        RemoveKey(e.Original, id << 1);
        RemoveKey(e.Reply, (id << 1) | 1);
        if (_indexedBuckets != 0)
        {
            Unlink(2 * id);
            Unlink(2 * id + 1);
        }

        e = default;
        _free[_freeCount++] = id;
        Count--;
    }

    /// <summary>Unhashes a tuple only where it points at this entry (a clash's loser shares its original tuple with the winner).</summary>
    private void RemoveKey(in FiveTuple tuple, int key)
    {
        if (_byTuple.TryGetValue(tuple, out int held) && held == key)
        {
            _byTuple.Remove(tuple);
        }
    }

    private static int BucketOf(in FiveTuple tuple, int buckets) => (int)(((ulong)tuple.Hash() * (uint)buckets) >> 32); // reciprocal_scale

    /// <summary>Builds (or, after nf_conntrack_max changed, rebuilds) the hash chains; only a full table needs them.</summary>
    private void EnsureIndex()
    {
        if (_indexedBuckets == _sysctls.Buckets)
        {
            return;
        }

        _chainHead.Clear();
        _indexedBuckets = _sysctls.Buckets;
        for (int id = 1; id <= _highWater; id++)
        {
            if (this[id].Confirmed)
            {
                if (!this[id].ClashReplyOnly)
                {
                    LinkNode(2 * id, this[id].Original);
                }

                LinkNode(2 * id + 1, this[id].Reply);
            }
        }
    }

    private void Link(int id)
    {
        if (_indexedBuckets != 0)
        {
            LinkNode(2 * id, this[id].Original);
            LinkNode(2 * id + 1, this[id].Reply);
        }
    }

    private void LinkNode(int node, in FiveTuple tuple)
    {
        int bucket = BucketOf(tuple, _indexedBuckets);
        int head = _chainHead.GetValueOrDefault(bucket);
        _next[node] = head;
        _prev[node] = 0;
        if (head != 0)
        {
            _prev[head] = node;
        }

        _chainHead[bucket] = node;
        _nodeBucket[node] = bucket;
    }

    private void Unlink(int node)
    {
        int prev = _prev[node], next = _next[node];
        if (prev != 0)
        {
            _next[prev] = next;
        }
        else if (_chainHead.TryGetValue(_nodeBucket[node], out int head) && head == node)
        {
            if (next != 0)
            {
                _chainHead[_nodeBucket[node]] = next;
            }
            else
            {
                _chainHead.Remove(_nodeBucket[node]);
            }
        }

        if (next != 0)
        {
            _prev[next] = prev;
        }

        _next[node] = _prev[node] = 0;
    }

    private int NewSlot()
    {
        if (_highWater == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            Array.Resize(ref _free, _entries.Length);
            Array.Resize(ref _next, 2 * _entries.Length + 2);
            Array.Resize(ref _prev, 2 * _entries.Length + 2);
            Array.Resize(ref _nodeBucket, 2 * _entries.Length + 2);
        }

        return ++_highWater;
    }
}

/// <summary>What confirmation did with a new connection's entry.</summary>
internal enum ConfirmOutcome
{
    /// <summary>Hashed (under both tuples, or as a clash's loser under its reply tuple only).</summary>
    Inserted,

    /// <summary>A clash with an identical entry: the packet now belongs to the winner.</summary>
    Merged,

    /// <summary>A clash the kernel could not settle: insert_failed, the packet dropped.</summary>
    Dropped,
}
