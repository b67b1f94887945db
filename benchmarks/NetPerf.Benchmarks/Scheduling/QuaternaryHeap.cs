using System.Runtime.CompilerServices;
using NetPerf.Engine.Scheduling;

namespace NetPerf.Benchmarks.Scheduling;

/// <summary>
/// The contender the engine's radix heap was chosen over: a flat 4-ary min-heap specialised for (time, seq)
/// keys, as in dotnet/runtime's PriorityQueue (index math by shifts, hole-based sifting that writes each node
/// once) but with 24-byte nodes (the key and a payload slot) and the comparison inlined. Kept here, not in the
/// engine, as the measured evidence for that choice (docs/architecture.md, Performance). No cancellation: the hold model
/// needs none.
/// </summary>
public sealed class QuaternaryHeap
{
    private Node[] _nodes = new Node[16];
    private Event[] _payloads = new Event[16];
    private int[] _freeSlots = new int[16];
    private int _freeCount;
    private int _slotHighWater;
    private long _nextSequence = 1;

    public int Count { get; private set; }

    public void Clear()
    {
        Count = 0;
        _freeCount = 0;
        _slotHighWater = 0;
        _nextSequence = 1;
    }

    public void Enqueue(long time, in Event ev)
    {
        int slot = _freeCount > 0 ? _freeSlots[--_freeCount] : NewSlot();
        _payloads[slot] = ev;
        if (Count == _nodes.Length)
        {
            Array.Resize(ref _nodes, _nodes.Length * 2);
        }

        SiftUp(Count++, new Node(time, _nextSequence++, slot));
    }

    public bool TryDequeue(out long time, out Event ev)
    {
        if (Count == 0)
        {
            time = 0;
            ev = default;
            return false;
        }

        Node root = _nodes[0];
        time = root.Time;
        ev = _payloads[root.Slot];
        _freeSlots[_freeCount++] = root.Slot;
        int last = --Count;
        if (last > 0)
        {
            SiftDown(0, _nodes[last]);
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(in Node a, in Node b) => a.Time < b.Time || (a.Time == b.Time && a.Sequence < b.Sequence);

    private void SiftUp(int i, Node node)
    {
        Node[] nodes = _nodes;
        while (i > 0)
        {
            int parent = (i - 1) >> 2;
            if (!Less(node, nodes[parent]))
            {
                break;
            }

            nodes[i] = nodes[parent];
            i = parent;
        }

        nodes[i] = node;
    }

    private void SiftDown(int i, Node node)
    {
        Node[] nodes = _nodes;
        int n = Count;
        while (true)
        {
            int first = (i << 2) + 1;
            if (first >= n)
            {
                break;
            }

            int best = first;
            int end = Math.Min(first + 4, n);
            for (int c = first + 1; c < end; c++)
            {
                if (Less(nodes[c], nodes[best]))
                {
                    best = c;
                }
            }

            if (!Less(nodes[best], node))
            {
                break;
            }

            nodes[i] = nodes[best];
            i = best;
        }

        nodes[i] = node;
    }

    private int NewSlot()
    {
        if (_slotHighWater == _payloads.Length)
        {
            Array.Resize(ref _payloads, _payloads.Length * 2);
            Array.Resize(ref _freeSlots, _payloads.Length);
        }

        return _slotHighWater++;
    }

    private readonly struct Node(long time, long sequence, int slot)
    {
        public readonly long Time = time;
        public readonly long Sequence = sequence;
        public readonly int Slot = slot;
    }
}
