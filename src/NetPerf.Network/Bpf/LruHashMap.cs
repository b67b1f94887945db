namespace NetPerf.Network.Bpf;

/// <summary>
/// A BPF_MAP_TYPE_LRU_HASH map (kernel/bpf/hashtab.c, kernel/bpf/bpf_lru_list.c): a hash map of at most
/// <see cref="Capacity"/> entries whose insert, when every entry is in use, reclaims the least recently used one
/// rather than failing with -E2BIG as a plain BPF hash map does. A lookup marks its entry referenced
/// (bpf_lru_node_set_ref), and the kernel's list rotation keeps referenced entries on the active list, so an entry a
/// packet keeps finding is not the one reclaimed.
/// </summary>
/// <remarks>
/// Modelled as exact LRU: an update or a lookup moves the entry to the front, an insert into a full map reclaims
/// the entry at the back. The kernel's is approximate: its common LRU hands each CPU a local free list refilled
/// in batches of LOCAL_FREE_TARGET (128) from the global list, and __bpf_lru_list_shrink reclaims from the inactive
/// list's tail, skipping and rotating entries whose ref bit is set; so the entry reclaimed is an old, unreferenced
/// one, not always the oldest, and a map can begin reclaiming a little before it holds <see cref="Capacity"/>
/// entries (a CPU's local list may be empty while another's holds free nodes). Storage grows by doubling up to
/// the capacity, so a large map costs only what it holds, and nothing is allocated once it has reached its size.
/// </remarks>
public sealed class LruHashMap<TKey, TValue> : ILruMapCounters
    where TKey : IEquatable<TKey>
{
    private const int None = -1;

    private readonly Dictionary<TKey, int> _index;
    private TKey[] _keys;
    private TValue[] _values;
    private int[] _prev;
    private int[] _next;
    private int _head = None;
    private int _tail = None;
    private int _freeHead = None;
    private int _used;

    public LruHashMap(string name, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Name = name;
        Capacity = capacity;
        int initial = Math.Min(capacity, 64);
        _index = new Dictionary<TKey, int>(initial);
        _keys = new TKey[initial];
        _values = new TValue[initial];
        _prev = new int[initial];
        _next = new int[initial];
    }

    public string Name { get; }

    /// <summary>max_entries.</summary>
    public int Capacity { get; }

    /// <summary>Entries held.</summary>
    public int Count => _index.Count;

    /// <summary>Entries reclaimed by inserts into a full map (the LRU's shrink), over the map's life.</summary>
    public long Evictions { get; private set; }

    /// <summary>Entries inserted (new keys), over the map's life.</summary>
    public long Inserts { get; private set; }

    /// <summary>Entries its holder's garbage collector deleted (<see cref="RemoveWhere"/>), over the map's life.</summary>
    public long Deletions { get; private set; }

    /// <summary>bpf_map_lookup_elem: the entry's value, marking it recently used.</summary>
    public bool TryGetValue(in TKey key, out TValue value)
    {
        if (_index.TryGetValue(key, out int slot))
        {
            MoveToFront(slot);
            value = _values[slot];
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>
    /// bpf_map_lookup_elem returning the value's address, as a program's lookup does (the program then writes its
    /// fields in place: a conntrack entry's lifetime): the entry is marked recently used. A null reference when the
    /// map does not hold <paramref name="key"/> (test with <see cref="System.Runtime.CompilerServices.Unsafe.IsNullRef{T}(ref readonly T)"/>).
    /// </summary>
    public ref TValue GetValueRefOrNullRef(in TKey key)
    {
        if (_index.TryGetValue(key, out int slot))
        {
            MoveToFront(slot);
            return ref _values[slot];
        }

        return ref System.Runtime.CompilerServices.Unsafe.NullRef<TValue>();
    }

    /// <summary>
    /// What a user-space garbage collector does with bpf_map_get_next_key and bpf_map_delete_elem: every entry
    /// <paramref name="expired"/> names is deleted (and handed to <paramref name="deleted"/>), least recently used
    /// first, without marking any entry used. Returns how many were deleted.
    /// </summary>
    public int RemoveWhere<TState>(Func<TKey, TValue, TState, bool> expired, TState state, Action<TKey, TValue, TState>? deleted = null)
    {
        int removed = 0;
        for (int slot = _tail; slot != None;)
        {
            int newer = _prev[slot];
            if (expired(_keys[slot], _values[slot], state))
            {
                deleted?.Invoke(_keys[slot], _values[slot], state);
                RemoveSlot(slot);
                removed++;
            }

            slot = newer;
        }

        Deletions += removed;
        return removed;
    }

    /// <summary>True if the map holds <paramref name="key"/>; the entry is not marked used (the agent's dump, not a packet's lookup).</summary>
    public bool ContainsKey(in TKey key) => _index.ContainsKey(key);

    /// <summary>
    /// bpf_map_update_elem with BPF_ANY: rewrites an existing entry, or inserts a new one, reclaiming the least
    /// recently used entry first when the map is full. Returns true when the insert reclaimed one.
    /// </summary>
    public bool Set(in TKey key, in TValue value)
    {
        if (_index.TryGetValue(key, out int slot))
        {
            _values[slot] = value;
            MoveToFront(slot);
            return false;
        }

        bool evicted = false;
        if (_index.Count == Capacity)
        {
            RemoveSlot(_tail);
            Evictions++;
            evicted = true;
        }

        slot = TakeSlot();
        _keys[slot] = key;
        _values[slot] = value;
        _index.Add(key, slot);
        LinkFront(slot);
        Inserts++;
        return evicted;
    }

    /// <summary>bpf_map_delete_elem.</summary>
    public bool Remove(in TKey key)
    {
        if (!_index.TryGetValue(key, out int slot))
        {
            return false;
        }

        RemoveSlot(slot);
        return true;
    }

    private void RemoveSlot(int slot)
    {
        _index.Remove(_keys[slot]);
        Unlink(slot);
        _keys[slot] = default!;
        _values[slot] = default!;
        _next[slot] = _freeHead;
        _freeHead = slot;
    }

    private int TakeSlot()
    {
        if (_freeHead != None)
        {
            int free = _freeHead;
            _freeHead = _next[free];
            return free;
        }

        if (_used == _keys.Length)
        {
            int grown = (int)Math.Min((long)_keys.Length * 2, Capacity);
            Array.Resize(ref _keys, grown);
            Array.Resize(ref _values, grown);
            Array.Resize(ref _prev, grown);
            Array.Resize(ref _next, grown);
        }

        return _used++;
    }

    private void MoveToFront(int slot)
    {
        if (slot != _head)
        {
            Unlink(slot);
            LinkFront(slot);
        }
    }

    private void LinkFront(int slot)
    {
        _prev[slot] = None;
        _next[slot] = _head;
        if (_head != None)
        {
            _prev[_head] = slot;
        }

        _head = slot;
        if (_tail == None)
        {
            _tail = slot;
        }
    }

    private void Unlink(int slot)
    {
        int prev = _prev[slot], next = _next[slot];
        if (prev != None)
        {
            _next[prev] = next;
        }
        else
        {
            _head = next;
        }

        if (next != None)
        {
            _prev[next] = prev;
        }
        else
        {
            _tail = prev;
        }
    }
}
