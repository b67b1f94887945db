using NetPerf.Engine.Time;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// A namespace's connection-tracking table. A connection is created unconfirmed by its first packet, NAT may
/// change its reply tuple, and it is confirmed (hashed under both its original and its reply tuple) when that
/// packet leaves the hooks. Later packets in either direction find it by their tuple, refresh its timeout, and
/// get its NAT applied without walking any rule.
/// </summary>
/// <remarks>
/// Timeouts are the kernel's: UDP 30 s, 120 s once a flow seen both ways is still active 2 s after it began
/// (nf_conntrack_proto_udp.c, stream_ts); TCP
/// 120 s unreplied (SYN_SENT), 5 days established (nf_conntrack_proto_tcp.c, without the TCP state machine
/// yet); anything else 600 s (nf_conntrack_proto_generic.c). Expired entries are removed when met, or swept when
/// the table is full; a new connection that still finds it full is dropped ("nf_conntrack: table full").
/// </remarks>
public sealed class Conntrack
{
    /// <summary>4 x 65,536 buckets: nf_conntrack_max = 4 x nf_conntrack_htable_size (nf_conntrack_core.c) on a host with 4 GiB or more.</summary>
    public const int DefaultMax = 262_144;

    private readonly Dictionary<FiveTuple, int> _byTuple = [];
    private Entry[] _entries = new Entry[64];
    private int[] _free = new int[64];
    private int _freeCount;
    private int _highWater;

    public Conntrack(int max = DefaultMax)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        Max = max;
    }

    public int Max { get; }

    /// <summary>Confirmed connections (expired ones not yet removed included, as /proc/sys/net/netfilter/nf_conntrack_count).</summary>
    public int Count { get; private set; }

    /// <summary>Entries held, confirmed or not (an unconfirmed one belongs to a packet still in the hooks).</summary>
    public int Allocated => _highWater - _freeCount;

    /// <summary>New connections dropped because the table was full.</summary>
    public long TableFullDrops { get; private set; }

    internal struct Entry
    {
        public FiveTuple Original;
        public FiveTuple Reply;
        public long ExpiresPs;
        public bool InUse;
        public bool Confirmed;
        public bool SeenReply;
        public bool ManagedByIpvs;
        public long CreatedPs;
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

    /// <summary>Whether any live connection already uses <paramref name="tuple"/> (as original or reply).</summary>
    internal bool InUse(in FiveTuple tuple) => _byTuple.ContainsKey(tuple);

    internal int Create(in FiveTuple original, long nowPs)
    {
        int id = _freeCount > 0 ? _free[--_freeCount] : NewSlot();
        ref var e = ref this[id];
        e = new Entry { Original = original, Reply = original.Reversed, InUse = true, CreatedPs = nowPs };
        e.ExpiresPs = nowPs + Timeout(original.Protocol, stream: false);
        return id;
    }

    /// <summary>Hashes a new connection under both tuples. False if the table is full (the packet is dropped).</summary>
    internal bool Confirm(int id, long nowPs)
    {
        ref var e = ref this[id];
        if (e.Confirmed)
        {
            return true;
        }

        if (Count >= Max)
        {
            SweepExpired(nowPs);
        }

        if (Count >= Max || _byTuple.ContainsKey(e.Original) || _byTuple.ContainsKey(e.Reply))
        {
            TableFullDrops += Count >= Max ? 1 : 0;
            Release(id);
            return false;
        }

        _byTuple.Add(e.Original, id << 1);
        _byTuple.Add(e.Reply, (id << 1) | 1);
        e.Confirmed = true;
        Count++;
        return true;
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
        }

        e.Reply = reply;
        e.ManagedByIpvs = true;
    }

    internal void Refresh(int id, bool reply, long nowPs)
    {
        ref var e = ref this[id];
        e.SeenReply |= reply;
        // nf_conntrack_udp_packet: the long timeout only for a flow seen both ways and still active 2 s after it
        // began (stream_ts); a request and its answer keep 30 s.
        bool stream = e.SeenReply && (e.Original.Protocol != IpProtocol.Udp || nowPs - e.CreatedPs > UdpStreamAfter);
        e.ExpiresPs = nowPs + Timeout(e.Original.Protocol, stream);
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

    private void Remove(int id)
    {
        ref var e = ref this[id];
        _byTuple.Remove(e.Original);
        _byTuple.Remove(e.Reply);
        e = default;
        _free[_freeCount++] = id;
        Count--;
    }

    private void SweepExpired(long nowPs)
    {
        for (int id = 1; id <= _highWater; id++)
        {
            if (this[id].Confirmed && this[id].ExpiresPs <= nowPs)
            {
                Remove(id);
            }
        }
    }

    private int NewSlot()
    {
        if (_highWater == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            Array.Resize(ref _free, _entries.Length);
        }

        return ++_highWater;
    }

    private static readonly long UdpStreamAfter = SimTime.FromSeconds(2).Picoseconds;

    private static long Timeout(IpProtocol protocol, bool stream) => protocol switch
    {
        IpProtocol.Udp => (stream ? SimTime.FromSeconds(120) : SimTime.FromSeconds(30)).Picoseconds,
        IpProtocol.Tcp => (stream ? SimTime.FromSeconds(5 * 86_400) : SimTime.FromSeconds(120)).Picoseconds,
        _ => SimTime.FromSeconds(600).Picoseconds,
    };
}
