namespace NetPerf.Engine.Scheduling.Partitioning;

/// <summary>
/// The events one partition sends another during a window. Written only by the sender while windows run and
/// read only by the receiver between them (the barrier orders the two), so it needs no lock; it keeps its
/// array, so a run in steady state allocates nothing.
/// </summary>
internal sealed class Outbox
{
    private RemoteEvent[] _items = new RemoteEvent[64];

    public int Count { get; private set; }

    public ReadOnlySpan<RemoteEvent> Items => _items.AsSpan(0, Count);

    public void Add(in RemoteEvent e)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = e;
    }

    public void Clear()
    {
        // Drop handler references so that nothing finished is kept alive by a stale copy.
        _items.AsSpan(0, Count).Clear();
        Count = 0;
    }
}
