namespace NetPerf.Network.Links;

/// <summary>A fixed-capacity FIFO of packet indices: a device's transmit queue, allocation-free.</summary>
internal sealed class PacketRing(int capacity)
{
    private readonly int[] _items = new int[Math.Max(1, capacity)];
    private int _head;

    public int Count { get; private set; }
    public int Capacity => capacity;

    public bool TryEnqueue(int packet)
    {
        if (Count == capacity)
        {
            return false;
        }

        int tail = _head + Count;
        _items[tail >= _items.Length ? tail - _items.Length : tail] = packet;
        Count++;
        return true;
    }

    public int Dequeue()
    {
        int packet = _items[_head];
        _head = _head + 1 == _items.Length ? 0 : _head + 1;
        Count--;
        return packet;
    }
}
