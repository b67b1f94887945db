using NetPerf.Network.Addressing;

namespace NetPerf.Network.Routing;

/// <summary>
/// A namespace's forwarding table: longest-prefix match over IPv4 routes.
/// </summary>
/// <remarks>
/// One hash table per prefix length, probed from the longest length present down to the shortest (a bit mask
/// says which lengths have routes). A node's table holds a handful of lengths (/32 host routes, /26 Calico
/// blocks, /24 flannel subnets, /16, the default), so a lookup is a few hash probes with no allocation, where a
/// binary trie would chase up to 32 pointers. Correctness is checked against a linear scan on random tables.
/// </remarks>
public sealed class Fib
{
    private readonly Dictionary<uint, Route>?[] _byLength = new Dictionary<uint, Route>?[33];
    private ulong _lengthsPresent; // bit L set: some route has prefix length L

    public int Count { get; private set; }

    /// <summary>Adds a route; a route to the same prefix is refused (as <c>ip route add</c> refuses, EEXIST).</summary>
    public void Add(Route route)
    {
        var table = _byLength[route.Prefix.Length] ??= new Dictionary<uint, Route>();
        if (!table.TryAdd(route.Prefix.Network.Value, route))
        {
            throw new InvalidOperationException($"a route to {route.Prefix} already exists: {table[route.Prefix.Network.Value]}.");
        }

        _lengthsPresent |= 1UL << route.Prefix.Length;
        Count++;
    }

    /// <summary>Adds or replaces the route to the route's prefix (<c>ip route replace</c>), as BGP updates do.</summary>
    public void Replace(Route route)
    {
        var table = _byLength[route.Prefix.Length] ??= new Dictionary<uint, Route>();
        if (!table.ContainsKey(route.Prefix.Network.Value))
        {
            Count++;
        }

        table[route.Prefix.Network.Value] = route;
        _lengthsPresent |= 1UL << route.Prefix.Length;
    }

    /// <summary>Removes the route to exactly <paramref name="prefix"/>; false if there was none.</summary>
    public bool Remove(Ipv4Prefix prefix)
    {
        var table = _byLength[prefix.Length];
        if (table is null || !table.Remove(prefix.Network.Value))
        {
            return false;
        }

        if (table.Count == 0)
        {
            _lengthsPresent &= ~(1UL << prefix.Length);
        }

        Count--;
        return true;
    }

    /// <summary>The route to exactly <paramref name="prefix"/>, if there is one.</summary>
    public Route? Find(Ipv4Prefix prefix) => _byLength[prefix.Length]?.GetValueOrDefault(prefix.Network.Value);

    /// <summary>The most specific route covering <paramref name="destination"/>, or null (ENETUNREACH).</summary>
    public Route? Lookup(Ipv4Address destination)
    {
        ulong lengths = _lengthsPresent;
        while (lengths != 0)
        {
            int length = 63 - System.Numerics.BitOperations.LeadingZeroCount(lengths);
            if (_byLength[length]!.TryGetValue(destination.Value & Ipv4Prefix.MaskOf(length), out var route))
            {
                return route;
            }

            lengths &= ~(1UL << length);
        }

        return null;
    }

}
