using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace NetPerf.Engine.Scheduling;

/// <summary>
/// The pending-event set: a radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) over the 128-bit key
/// (time, insertion sequence).
/// </summary>
/// <remarks>
/// <para>
/// Why a radix heap: a discrete-event simulation is a monotone priority queue. Nothing is scheduled before the
/// event being run, and every new event gets a larger sequence number, so every key inserted is larger than the
/// last key removed. A radix heap exploits that: an entry lives in the bucket named by the highest bit in which
/// its key differs from the last removed key, insertion is an append, and removal scans only the lowest
/// non-empty bucket, redistributing it into lower buckets. Each entry moves down a bucket at a time, so work is
/// amortised over at most 128 moves and in practice a few, all of them sequential memory traffic. A binary or
/// 4-ary heap instead walks log(n) levels of random accesses per operation; at 100,000 pending events that is
/// the difference measured in <c>benchmarks/</c> (see README, Performance).
/// </para>
/// <para>
/// Ties: the sequence number is part of the key, so equal times leave in insertion order (FIFO) and a run is
/// reproducible from its seed.
/// </para>
/// <para>
/// Cancellation is lazy: the entry stays in its bucket and is recognised as stale when it surfaces, because its
/// slot no longer carries its sequence number. When stale entries outnumber live ones the queue compacts, so it
/// never stores more than twice the live events however often timers are cancelled.
/// </para>
/// </remarks>
public sealed class EventQueue
{
    // Keys are non-negative, so a differing time bit is at most bit 62 (bucket 127) and a differing sequence
    // bit at most bit 62 (bucket 63). Bucket 0 holds the entry equal to the last key: the current minimum.
    private const int BucketCount = 128;
    private const int InitialBucketCapacity = 16;

    private readonly Entry[][] _buckets = new Entry[BucketCount][];
    private readonly int[] _sizes = new int[BucketCount];
    private ulong _maskLow;   // bit b set: bucket b (0..63) is non-empty
    private ulong _maskHigh;  // bit b set: bucket 64 + b is non-empty

    private long _lastTime;
    private long _lastSequence;
    private long _nextSequence = 1;

    private Slot[] _slots = new Slot[InitialBucketCapacity];
    private int[] _freeSlots = new int[InitialBucketCapacity];
    private int _freeCount;
    private int _slotHighWater;

    private int _live;
    private int _stale;

    public EventQueue()
    {
        for (int b = 0; b < BucketCount; b++)
        {
            _buckets[b] = new Entry[InitialBucketCapacity];
        }
    }

    /// <summary>Events scheduled and neither run nor cancelled.</summary>
    public int Count => _live;

    /// <summary>Entries held, live plus cancelled-but-not-yet-discarded: never more than twice <see cref="Count"/>.</summary>
    public int StoredCount => _live + _stale;

    /// <summary>How many times the queue discarded its cancelled entries in one sweep.</summary>
    public long Compactions { get; private set; }

    /// <summary>How many times an insertion before the last removed key forced the buckets to be rebuilt.</summary>
    public long Rebases { get; private set; }

    /// <summary>Adds an event at <paramref name="time"/> (picoseconds, not negative).</summary>
    public EventHandle Enqueue(long time, in Event ev)
    {
        Debug.Assert(time >= 0, "times are non-negative picoseconds");
        long seq = _nextSequence++;
        if (time < _lastTime)
        {
            // Only after a peek that moved the minimum up (RunUntil stopping short of the next event) and an
            // insertion before it: rare, at a run's boundaries, never in the steady-state loop.
            Rebase(time, seq);
        }

        int slot = AllocateSlot();
        ref Slot s = ref _slots[slot];
        s.Sequence = seq;
        s.Event = ev;
        Push(BucketOf(time, seq), new Entry(time, seq, slot));
        _live++;
        return new EventHandle(slot, seq);
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

        time = _buckets[0][0].Time;
        return true;
    }

    /// <summary>Removes the earliest event if its time is at most <paramref name="until"/>.</summary>
    public bool TryDequeue(long until, out long time, out Event ev)
    {
        if (!SurfaceMinimum() || _buckets[0][0].Time > until)
        {
            time = 0;
            ev = default;
            return false;
        }

        Entry e = _buckets[0][0];
        _sizes[0] = 0;
        _maskLow &= ~1UL;
        ref Slot s = ref _slots[e.Slot];
        ev = s.Event;
        time = e.Time;
        FreeSlot(e.Slot);
        _live--;
        if (_stale > _live)
        {
            Compact();
        }

        return true;
    }

    /// <summary>Drops every event and starts the sequence again, keeping the memory already allocated.</summary>
    public void Clear()
    {
        Array.Clear(_sizes);
        _maskLow = _maskHigh = 0;
        _lastTime = 0;
        _lastSequence = 0;
        _nextSequence = 1;
        Array.Clear(_slots, 0, _slotHighWater);
        _slotHighWater = 0;
        _freeCount = 0;
        _live = 0;
        _stale = 0;
    }

    /// <summary>
    /// Makes bucket 0 hold the earliest live entry. False if there is none. Stale entries met on the way are
    /// discarded.
    /// </summary>
    private bool SurfaceMinimum()
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

            if (_sizes[0] != 0)
            {
                Entry head = _buckets[0][0];
                if (_slots[head.Slot].Sequence == head.Sequence)
                {
                    return true;
                }

                // Cancelled while it was the minimum.
                _sizes[0] = 0;
                _maskLow &= ~1UL;
                _stale--;
            }

            Redistribute();
        }
    }

    /// <summary>
    /// Empties the lowest non-empty bucket: its smallest key becomes the new "last" key and every entry moves to
    /// a strictly lower bucket, the smallest to bucket 0.
    /// </summary>
    private void Redistribute()
    {
        Debug.Assert(_sizes[0] == 0);
        int b = _maskLow != 0
            ? BitOperations.TrailingZeroCount(_maskLow)
            : 64 + BitOperations.TrailingZeroCount(_maskHigh);
        Debug.Assert(b > 0 && b < BucketCount && _sizes[b] > 0);

        Entry[] source = _buckets[b];
        int n = _sizes[b];
        ReadOnlySpan<Entry> entries = source.AsSpan(0, n);

        // Stale entries take part in the minimum: checking each one's slot would be a random access per entry,
        // and a stale minimum is simply discarded when it reaches bucket 0.
        long minTime = entries[0].Time;
        long minSeq = entries[0].Sequence;
        for (int i = 1; i < entries.Length; i++)
        {
            long t = entries[i].Time;
            if (t < minTime || (t == minTime && entries[i].Sequence < minSeq))
            {
                minTime = t;
                minSeq = entries[i].Sequence;
            }
        }

        _lastTime = minTime;
        _lastSequence = minSeq;
        _sizes[b] = 0;
        ClearMaskBit(b);

        // Every key in bucket b shares the bits above b with the old last key, and the new last key is one of
        // them, so each entry's highest differing bit is now below b: pushing cannot land in `source` itself.
        foreach (ref readonly Entry e in entries)
        {
            Push(BucketOf(e.Time, e.Sequence), e);
        }
    }

    /// <summary>Removes every cancelled entry in one sweep over the non-empty buckets.</summary>
    private void Compact()
    {
        Compactions++;
        for (int b = 0; b < BucketCount; b++)
        {
            int n = _sizes[b];
            if (n == 0)
            {
                continue;
            }

            Span<Entry> entries = _buckets[b].AsSpan(0, n);
            int kept = 0;
            foreach (ref readonly Entry e in entries)
            {
                if (_slots[e.Slot].Sequence == e.Sequence)
                {
                    entries[kept++] = e;
                }
            }

            _sizes[b] = kept;
            if (kept == 0)
            {
                ClearMaskBit(b);
            }
        }

        _stale = 0;
    }

    /// <summary>Re-buckets everything around a new, smaller last key.</summary>
    private void Rebase(long time, long seq)
    {
        Rebases++;
        int total = _live + _stale;
        var all = new Entry[total];
        int k = 0;
        for (int b = 0; b < BucketCount; b++)
        {
            _buckets[b].AsSpan(0, _sizes[b]).CopyTo(all.AsSpan(k));
            k += _sizes[b];
            _sizes[b] = 0;
        }

        Debug.Assert(k == total);
        _maskLow = _maskHigh = 0;
        _lastTime = time;
        _lastSequence = seq;
        foreach (ref readonly Entry e in all.AsSpan())
        {
            Push(BucketOf(e.Time, e.Sequence), e);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BucketOf(long time, long seq)
    {
        ulong dt = (ulong)(time ^ _lastTime);
        if (dt != 0)
        {
            return 128 - BitOperations.LeadingZeroCount(dt);
        }

        return 64 - BitOperations.LeadingZeroCount((ulong)(seq ^ _lastSequence));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Push(int b, in Entry e)
    {
        Entry[] bucket = _buckets[b];
        int n = _sizes[b];
        if ((uint)n >= (uint)bucket.Length)
        {
            bucket = GrowBucket(b);
        }

        bucket[n] = e;
        _sizes[b] = n + 1;
        if (b < 64)
        {
            _maskLow |= 1UL << b;
        }
        else
        {
            _maskHigh |= 1UL << (b - 64);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ClearMaskBit(int b)
    {
        if (b < 64)
        {
            _maskLow &= ~(1UL << b);
        }
        else
        {
            _maskHigh &= ~(1UL << (b - 64));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Entry[] GrowBucket(int b)
    {
        Array.Resize(ref _buckets[b], _buckets[b].Length * 2);
        return _buckets[b];
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

    /// <summary>24 bytes: the key and where the event's payload lives. Buckets move these, never payloads.</summary>
    private readonly struct Entry(long time, long sequence, int slot)
    {
        public readonly long Time = time;
        public readonly long Sequence = sequence;
        public readonly int Slot = slot;
    }

    /// <summary>An event's payload; <see cref="Sequence"/> is 0 while the slot is free.</summary>
    private struct Slot
    {
        public long Sequence;
        public Event Event;
    }
}
