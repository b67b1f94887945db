using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetPerf.Engine.Scheduling;

/// <summary>
/// The pending-event set: a radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) with base 16 over the key
/// (time, depth, tie): 160 bits, compared in that order.
/// </summary>
/// <remarks>
/// <para>
/// Why a radix heap: a discrete-event simulation is a monotone priority queue. Nothing is scheduled before the
/// event being run, and an event scheduled at the very time of the event being run has a larger depth than it
/// (see <see cref="Simulator"/>), so every key inserted is larger than the last key removed. A radix heap exploits that: an entry lives in the bucket named by the highest digit in
/// which its key differs from the last removed key (and by its value of that digit), insertion is an append,
/// and removal scans only the lowest non-empty bucket, redistributing it into lower buckets. Each entry moves
/// down at least a digit at a time (4.9 moves per event in the hold model at 100,000 pending; 9 with a binary
/// radix), all of it sequential memory traffic. A binary or 4-ary heap instead walks log(n) levels of random
/// accesses per operation; the difference is measured in <c>benchmarks/</c> (docs/architecture.md, Performance).
/// </para>
/// <para>
/// Ties: the caller names the order of events at one time. <see cref="Simulator"/> passes the depth (how many
/// zero-delay steps the event is from one scheduled at an earlier time) and a tie (the scheduling entity and
/// that entity's own sequence number), an order no partitioning of the entities can change. The tie is also
/// the event's identity: ties must be unique for the queue's lifetime. <see cref="Enqueue(long, in Event)"/>
/// is the simple form, depth 0 and the queue's own counter as tie: equal times leave in insertion order (FIFO).
/// </para>
/// <para>
/// Cancellation is lazy: the entry stays in its bucket and is recognised as stale when it surfaces, because its
/// slot no longer carries its sequence number. When stale entries outnumber live ones the queue compacts, so it
/// never stores more than twice the live events however often timers are cancelled.
/// </para>
/// <para>
/// Memory: a bucket is a chain of fixed-size chunks from one shared pool, not an array of its own. When the
/// clock crosses a power-of-two boundary nearly every pending entry lands in one high bucket; with an array per
/// bucket, every bucket the clock's digits pass through would keep a capacity of the whole population. With
/// chunks, storage stays at the population plus one partial chunk per bucket, and once the pool has grown to
/// that the queue allocates nothing.
/// </para>
/// </remarks>
public sealed class EventQueue
{
    // Base-16 radix: an entry's bucket is named by the highest 4-bit digit in which its key differs from the
    // last key, and by its own value of that digit (larger than the last key's). A binary radix heap moves an
    // entry down about one bit per redistribution (9 moves per event in the hold model at 100,000 pending);
    // base 16 moves it about a digit at a time. Tie digits (keys of equal time and depth) are buckets 16..255,
    // depth digits (32 bits) 256 + 16..127, time digits 384 + 16..255. The entry equal to the last key is the
    // current minimum, held in _min.
    private const int DigitBits = 4;
    private const int DepthBuckets = 256;
    private const int TimeBuckets = DepthBuckets + 128;
    private const int BucketCount = 640;
    private const int MaskWords = BucketCount / 64;
    private const int ChunkShift = 6;
    private const int ChunkSize = 1 << ChunkShift;   // 64 entries, 1.5 KB: sequential runs, small resident tails
    private const int InitialChunks = 8;

    // Chunk pool: chunk c holds _pool[c * ChunkSize .. (c + 1) * ChunkSize).
    private Entry[] _pool = new Entry[InitialChunks * ChunkSize];
    private int[] _nextChunk = new int[InitialChunks];
    private int[] _freeChunks = new int[InitialChunks];
    private int _freeChunkCount;
    private int _chunkHighWater;

    // Buckets 1..127: a chain of chunks from Head to Tail, the tail holding Fill entries. One struct per bucket
    // so that an append touches one cache line of bookkeeping.
    private readonly Bucket[] _buckets = new Bucket[BucketCount];
    private readonly ulong[] _mask = new ulong[MaskWords];  // bit b set: bucket b is non-empty

    private readonly List<Entry> _rebaseScratch = [];
    private Entry _min;
    private bool _hasMin;
    private long _lastTime;
    private int _lastDepth;
    private long _lastTie;
    private long _nextSequence = 1;

    private Slot[] _slots = new Slot[16];
    private int[] _freeSlots = new int[16];
    private int _freeCount;
    private int _slotHighWater;

    private int _live;
    private int _stale;

    public EventQueue()
    {
        for (int b = 0; b < BucketCount; b++)
        {
            ResetBucket(b);
        }
    }

    /// <summary>Events scheduled and neither run nor cancelled.</summary>
    public int Count => _live;

    /// <summary>Entries held, live plus cancelled-but-not-yet-discarded: never more than twice <see cref="Count"/>.</summary>
    public int StoredCount => _live + _stale;

    /// <summary>Entries the chunk pool can hold without growing (for memory accounting).</summary>
    public int PoolCapacity => _pool.Length;

    /// <summary>How many times the queue discarded its cancelled entries in one sweep.</summary>
    public long Compactions { get; private set; }

    /// <summary>How many times an insertion before the last removed key forced the buckets to be rebuilt.</summary>
    public long Rebases { get; private set; }

    /// <summary>
    /// Adds an event at <paramref name="time"/> (picoseconds, not negative), after every event already queued at
    /// that time: depth 0, the queue's own insertion counter as tie. Not to be mixed with the other overload in
    /// one queue (their ties could collide).
    /// </summary>
    public EventHandle Enqueue(long time, in Event ev) => Enqueue(time, 0, _nextSequence++, ev);

    /// <summary>
    /// Adds an event keyed (<paramref name="time"/>, <paramref name="depth"/>, <paramref name="tie"/>). The tie
    /// must be positive and unique for the queue's lifetime: it names the event's handle.
    /// </summary>
    public EventHandle Enqueue(long time, int depth, long tie, in Event ev)
    {
        Debug.Assert(time >= 0, "times are non-negative picoseconds");
        Debug.Assert(depth >= 0 && tie > 0, "depths are non-negative, ties positive");
        if (time < _lastTime || (time == _lastTime && (depth < _lastDepth || (depth == _lastDepth && tie < _lastTie))))
        {
            // Only after a peek that moved the minimum up (RunUntil stopping short of the next event) and an
            // insertion before it, or a caller inserting below the event just run: rare, at a run's boundaries,
            // never in the steady-state loop.
            Rebase(time, depth, tie);
        }

        int slot = AllocateSlot();
        ref Slot s = ref _slots[slot];
        s.Sequence = tie;
        s.Event = ev;
        Place(new Entry(time, tie, depth, slot));
        _live++;
        return new EventHandle(slot, tie);
    }

    /// <summary>Cancels a pending event. False if it already ran or was cancelled.</summary>
    public bool Cancel(EventHandle handle)
    {
        if (!IsPending(handle))
        {
            return false;
        }

        FreeSlot(handle.Slot);
        _live--;
        _stale++;
        if (_stale > _live)
        {
            Compact();
        }

        return true;
    }

    public bool IsPending(EventHandle handle) =>
        !handle.IsNone && (uint)handle.Slot < (uint)_slotHighWater && _slots[handle.Slot].Sequence == handle.Sequence;

    /// <summary>The time of the earliest pending event, if any.</summary>
    public bool TryPeekTime(out long time)
    {
        if (!SurfaceMinimum())
        {
            time = 0;
            return false;
        }

        time = _min.Time;
        return true;
    }

    /// <summary>Removes the earliest event if its time is at most <paramref name="until"/>.</summary>
    public bool TryDequeue(long until, out long time, out Event ev) => TryDequeue(until, out time, out _, out _, out ev);

    /// <summary>Removes the earliest event if its time is at most <paramref name="until"/>, with its whole key.</summary>
    public bool TryDequeue(long until, out long time, out int depth, out long tie, out Event ev)
    {
        if (!SurfaceMinimum(until) || _min.Time > until)
        {
            time = 0;
            depth = 0;
            tie = 0;
            ev = default;
            return false;
        }

        _hasMin = false;
        time = _min.Time;
        depth = _min.Depth;
        tie = _min.Sequence;
        int slot = _min.Slot;
        ev = _slots[slot].Event;
        FreeSlot(slot);
        _live--;
        if (_stale > _live)
        {
            Compact();
        }

        return true;
    }

    /// <summary>
    /// Drops every event, keeping the memory already allocated. Sequence numbers keep counting, so a handle
    /// taken before the clear can never match (and cancel) an event scheduled after it.
    /// </summary>
    public void Clear()
    {
        for (int b = 0; b < BucketCount; b++)
        {
            ResetBucket(b);
        }

        Array.Clear(_mask);
        _freeChunkCount = 0;
        _chunkHighWater = 0;
        _hasMin = false;
        _lastTime = 0;
        _lastDepth = 0;
        _lastTie = 0;
        Array.Clear(_slots, 0, _slotHighWater);
        _slotHighWater = 0;
        _freeCount = 0;
        _live = 0;
        _stale = 0;
    }

    /// <summary>
    /// Makes <see cref="_min"/> the earliest live entry. False if there is none. Stale entries met on the way
    /// are discarded.
    /// </summary>
    private bool SurfaceMinimum(long until = long.MaxValue)
    {
        while (true)
        {
            if (_live == 0)
            {
                if (_stale != 0)
                {
                    Compact();
                }

                return false;
            }

            if (_hasMin)
            {
                if (_slots[_min.Slot].Sequence == _min.Sequence)
                {
                    return true;
                }

                // Cancelled while it was the minimum.
                _hasMin = false;
                _stale--;
            }

            if (!Redistribute(until))
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Empties the lowest non-empty bucket: its smallest key becomes the new "last" key and every entry moves to
    /// a strictly lower bucket, the smallest to <see cref="_min"/>. If that smallest key lies after
    /// <paramref name="until"/>, nothing moves and false is returned: a run stopping at a horizon leaves the last
    /// key where it was, so events scheduled next (before that key) need no rebase.
    /// </summary>
    private bool Redistribute(long until)
    {
        Debug.Assert(!_hasMin);
        int w = 0;
        while (_mask[w] == 0)
        {
            w++;
        }

        int b = (w << 6) + BitOperations.TrailingZeroCount(_mask[w]);
        Debug.Assert(b > 0 && b < BucketCount && _buckets[b].Head >= 0);

        // If the pool grows (and moves) during the loop below, `pool` still holds the source chunks intact:
        // they are only read, and appends always go to the current _pool.
        Entry[] pool = _pool;
        int head = _buckets[b].Head;
        int tail = _buckets[b].Tail;
        int tailFill = _buckets[b].Fill;

        // Stale entries take part in the minimum: checking each one's slot would be a random access per entry,
        // and a stale minimum is simply discarded when it surfaces.
        long minTime = long.MaxValue;
        int minDepth = int.MaxValue;
        long minSeq = long.MaxValue;
        for (int c = head; c >= 0; c = _nextChunk[c])
        {
            foreach (ref readonly Entry e in pool.AsSpan(c << ChunkShift, c == tail ? tailFill : ChunkSize))
            {
                if (e.Time < minTime
                    || (e.Time == minTime && (e.Depth < minDepth || (e.Depth == minDepth && e.Sequence < minSeq))))
                {
                    minTime = e.Time;
                    minDepth = e.Depth;
                    minSeq = e.Sequence;
                }
            }
        }

        if (minTime > until)
        {
            return false;
        }

        _lastTime = minTime;
        _lastDepth = minDepth;
        _lastTie = minSeq;
        ClearMaskBit(b);

        // Every key in bucket b shares the bits above b with the old last key, and the new last key is one of
        // them, so each entry's highest differing bit is now below b: nothing lands back in bucket b, and its
        // chunks can be released as they are read (all but the head, which stays as the bucket's resident).
        for (int c = head; c >= 0;)
        {
            int next = _nextChunk[c];
            foreach (ref readonly Entry e in pool.AsSpan(c << ChunkShift, c == tail ? tailFill : ChunkSize))
            {
                int nb = BucketOf(e, minTime, minDepth, minSeq);
                if (nb == 0)
                {
                    _min = e;
                    _hasMin = true;
                }
                else
                {
                    Append(nb, e);
                }
            }

            if (c != head)
            {
                FreeChunk(c);
            }

            c = next;
        }

        EmptyBucket(b);
        return true;
    }

    /// <summary>Removes every cancelled entry in one sweep over the non-empty buckets.</summary>
    private void Compact()
    {
        Compactions++;
        if (_hasMin && _slots[_min.Slot].Sequence != _min.Sequence)
        {
            _hasMin = false;
        }

        Entry[] pool = _pool;
        for (int b = 1; b < BucketCount; b++)
        {
            if (IsEmpty(b))
            {
                continue;
            }

            // Slide live entries to the front of the chain; the write cursor never passes the read cursor.
            int head = _buckets[b].Head;
            int tail = _buckets[b].Tail;
            int tailFill = _buckets[b].Fill;
            int writeChunk = head;
            int writeFill = 0;
            int kept = 0;
            for (int c = head; c >= 0; c = _nextChunk[c])
            {
                int n = c == tail ? tailFill : ChunkSize;
                for (int i = 0; i < n; i++)
                {
                    Entry e = pool[(c << ChunkShift) + i];
                    if (_slots[e.Slot].Sequence != e.Sequence)
                    {
                        continue;
                    }

                    if (writeFill == ChunkSize)
                    {
                        writeChunk = _nextChunk[writeChunk];
                        writeFill = 0;
                    }

                    pool[(writeChunk << ChunkShift) + writeFill++] = e;
                    kept++;
                }
            }

            if (kept == 0)
            {
                FreeChain(_nextChunk[head]);
                EmptyBucket(b);
                ClearMaskBit(b);
                continue;
            }

            FreeChain(_nextChunk[writeChunk]);
            _nextChunk[writeChunk] = -1;
            _buckets[b].Tail = writeChunk;
            _buckets[b].Fill = writeFill;
        }

        _stale = 0;
    }

    /// <summary>Re-buckets everything around a new, smaller last key.</summary>
    private void Rebase(long time, int depth, long tie)
    {
        Rebases++;
        List<Entry> all = _rebaseScratch;
        all.Clear();
        if (_hasMin)
        {
            all.Add(_min);
            _hasMin = false;
        }

        for (int b = 1; b < BucketCount; b++)
        {
            if (IsEmpty(b))
            {
                continue;
            }

            for (int c = _buckets[b].Head; c >= 0; c = _nextChunk[c])
            {
                all.AddRange(_pool.AsSpan(c << ChunkShift, c == _buckets[b].Tail ? _buckets[b].Fill : ChunkSize));
            }

            FreeChain(_nextChunk[_buckets[b].Head]);
            EmptyBucket(b);
        }

        Array.Clear(_mask);
        _lastTime = time;
        _lastDepth = depth;
        _lastTie = tie;
        foreach (Entry e in all)
        {
            Place(e);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Place(in Entry e)
    {
        int b = BucketOf(e, _lastTime, _lastDepth, _lastTie);
        if (b == 0)
        {
            Debug.Assert(!_hasMin, "keys are unique, so only one entry can equal the last key");
            _min = e;
            _hasMin = true;
            return;
        }

        Append(b, e);
    }

    /// <summary>0 if the key equals the last key; otherwise (digit position x 16 + digit value), in key order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketOf(in Entry e, long lastTime, int lastDepth, long lastSequence)
    {
        ulong dt = (ulong)(e.Time ^ lastTime);
        if (dt != 0)
        {
            int p = (63 - BitOperations.LeadingZeroCount(dt)) >> 2;
            return TimeBuckets + (p << DigitBits) + (int)(((ulong)e.Time >> (p << 2)) & 15);
        }

        uint dd = (uint)(e.Depth ^ lastDepth);
        if (dd != 0)
        {
            int r = (31 - BitOperations.LeadingZeroCount(dd)) >> 2;
            return DepthBuckets + (r << DigitBits) + (int)(((uint)e.Depth >> (r << 2)) & 15);
        }

        ulong ds = (ulong)(e.Sequence ^ lastSequence);
        if (ds == 0)
        {
            return 0;
        }

        int q = (63 - BitOperations.LeadingZeroCount(ds)) >> 2;
        return (q << DigitBits) + (int)(((ulong)e.Sequence >> (q << 2)) & 15);
    }

    /// <summary>Writes <paramref name="e"/> at the end of bucket <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Append(int b, in Entry e)
    {
        ref Bucket bucket = ref _buckets[b];
        int fill = bucket.Fill;
        if (fill == ChunkSize)
        {
            fill = AppendChunk(b);
        }

        _pool[(bucket.Tail << ChunkShift) + fill] = e;
        bucket.Fill = fill + 1;
        _mask[b >> 6] |= 1UL << b;
    }

    /// <summary>Links a fresh chunk at the end of bucket <paramref name="b"/>; returns its fill (0).</summary>
    private int AppendChunk(int b)
    {
        int c = AllocateChunk();
        _nextChunk[c] = -1;
        if (_buckets[b].Tail < 0)
        {
            _buckets[b].Head = c;
        }
        else
        {
            _nextChunk[_buckets[b].Tail] = c;
        }

        _buckets[b].Tail = c;
        return 0;
    }

    private bool IsEmpty(int b) => (_mask[b >> 6] & (1UL << b)) == 0;

    /// <summary>Keeps the head chunk as the empty bucket's resident: a bucket that empties and refills on every
    /// pop (the low ones do) then never goes back to the pool.</summary>
    private void EmptyBucket(int b)
    {
        int head = _buckets[b].Head;
        _nextChunk[head] = -1;
        _buckets[b].Tail = head;
        _buckets[b].Fill = 0;
    }

    /// <summary>No chunk at all (after <see cref="Clear"/>).</summary>
    private void ResetBucket(int b)
    {
        _buckets[b].Head = -1;
        _buckets[b].Tail = -1;
        _buckets[b].Fill = ChunkSize; // "full", so the first append takes a chunk
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ClearMaskBit(int b) => _mask[b >> 6] &= ~(1UL << b);

    private int AllocateChunk()
    {
        if (_freeChunkCount > 0)
        {
            return _freeChunks[--_freeChunkCount];
        }

        if (_chunkHighWater == _nextChunk.Length)
        {
            GrowPool();
        }

        return _chunkHighWater++;
    }

    private void FreeChunk(int c) => _freeChunks[_freeChunkCount++] = c;

    private void FreeChain(int c)
    {
        while (c >= 0)
        {
            int next = _nextChunk[c];
            FreeChunk(c);
            c = next;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowPool()
    {
        int chunks = _nextChunk.Length * 2;
        Array.Resize(ref _pool, chunks << ChunkShift);
        Array.Resize(ref _nextChunk, chunks);
        Array.Resize(ref _freeChunks, chunks);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int AllocateSlot()
    {
        if (_freeCount > 0)
        {
            return _freeSlots[--_freeCount];
        }

        if (_slotHighWater == _slots.Length)
        {
            GrowSlots();
        }

        return _slotHighWater++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FreeSlot(int slot)
    {
        ref Slot s = ref _slots[slot];
        s.Sequence = 0;
        s.Event = default; // drop the handler reference so a finished model can be collected
        _freeSlots[_freeCount++] = slot;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowSlots()
    {
        Array.Resize(ref _slots, _slots.Length * 2);
        Array.Resize(ref _freeSlots, _slots.Length);
    }

    private struct Bucket
    {
        public int Head;
        public int Tail;
        public int Fill;
    }

    /// <summary>24 bytes: the key (time, depth, tie) and where the event's payload lives. Buckets move these, never payloads.</summary>
    private readonly struct Entry(long time, long tie, int depth, int slot)
    {
        public readonly long Time = time;
        /// <summary>The tie, which is also the event's identity (its slot carries it while the event is pending).</summary>
        public readonly long Sequence = tie;
        public readonly int Depth = depth;
        public readonly int Slot = slot;
    }

    /// <summary>An event's payload; <see cref="Sequence"/> (the event's tie) is 0 while the slot is free.</summary>
    private struct Slot
    {
        public long Sequence;
        public Event Event;
    }
}
