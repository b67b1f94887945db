namespace NetPerf.Benchmarks.Scheduling;

/// <summary>
/// The baseline's priority: (time, insertion sequence), compared as the engine compares them. A struct with a
/// generic <see cref="IComparable{T}"/>, so <see cref="PriorityQueue{TElement,TPriority}"/>'s default-comparer
/// path is devirtualised and inlined by the JIT: the fastest way to use that type, not a slowed one.
/// </summary>
public readonly struct EventKey(long time, long sequence) : IComparable<EventKey>
{
    public readonly long Time = time;
    public readonly long Sequence = sequence;

    public int CompareTo(EventKey other)
    {
        int c = Time.CompareTo(other.Time);
        return c != 0 ? c : Sequence.CompareTo(other.Sequence);
    }
}
