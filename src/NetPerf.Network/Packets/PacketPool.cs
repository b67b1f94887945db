using System.Runtime.CompilerServices;

namespace NetPerf.Network.Packets;

/// <summary>
/// Every packet of a simulation, in one array, addressed by index. Rent and return are O(1) through a free
/// stack; the array grows by doubling until it holds the peak number in flight, then never again.
/// </summary>
public sealed class PacketPool
{
    private Packet[] _packets;
    private int[] _free;
    private bool[] _inUse;
    private int _freeCount;
    private int _highWater;

    public PacketPool(int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        _packets = new Packet[initialCapacity];
        _free = new int[initialCapacity];
        _inUse = new bool[initialCapacity];
    }

    /// <summary>Packets rented and not yet returned.</summary>
    public int InUse { get; private set; }

    public int Capacity => _packets.Length;

    /// <summary>A cleared packet's index.</summary>
    public int Rent()
    {
        int id;
        if (_freeCount > 0)
        {
            id = _free[--_freeCount];
        }
        else
        {
            if (_highWater == _packets.Length)
            {
                Grow();
            }

            id = _highWater++;
        }

        _packets[id] = default;
        _inUse[id] = true;
        InUse++;
        return id;
    }

    /// <summary>The packet itself, to read or change in place.</summary>
    public ref Packet this[int id]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _packets[id];
    }

    public void Return(int id)
    {
        if ((uint)id >= (uint)_highWater || !_inUse[id])
        {
            throw new InvalidOperationException($"packet {id} is not rented: returned twice, or never rented.");
        }

        _inUse[id] = false;
        _free[_freeCount++] = id;
        InUse--;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        int n = _packets.Length * 2;
        Array.Resize(ref _packets, n);
        Array.Resize(ref _free, n);
        Array.Resize(ref _inUse, n);
    }
}
