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
/// A cluster node's table may share its routes towards the other nodes' pod ranges (<see cref="ShareRanges"/>):
/// they are built the first time anything touches them, and until then counted as if they were held. It may share
/// a set of local addresses too (<see cref="ShareLocalAddresses"/>: every Service IP on kube-ipvs0), the same way.
/// </remarks>
public sealed class Fib
{
    private readonly Dictionary<uint, Route>?[] _byLength = new Dictionary<uint, Route>?[33];
    private ulong _lengthsPresent; // bit L set: some route has prefix length L

    private int _count; // routes this table holds itself
    private PeerRanges? _peers;
    private Action<int>? _buildRoutesTowards;
    private ulong[]? _built; // bit P set: the routes towards peer P are in this table (or were never shared)
    private int _notBuilt; // shared routes not yet built: counted as held

    private SharedAddresses? _locals;
    private NextHop _localHop;
    private HashSet<uint>? _localsBuilt; // the shared local addresses whose route this table holds itself (or held: removed ones stay out)

    /// <summary>Routes in the table, the shared ones not yet built included (what <c>ip route</c> would list).</summary>
    public int Count => _count + _notBuilt + (_locals is null ? 0 : _locals.Count - (_localsBuilt?.Count ?? 0));

    /// <summary>The table shares a cluster's ranges (<see cref="ShareRanges"/>).</summary>
    public bool SharesRanges => _peers is not null;

    /// <summary>
    /// This table holds a route towards every prefix of <paramref name="peers"/> but those of <paramref name="self"/>
    /// (every node's table holds every other node's pod ranges): they are counted from now on, and the routes
    /// towards a peer are built by <paramref name="buildRoutesTowards"/> (called with the peer, adding them here) the
    /// first time a lookup, a find or a change reaches one of its prefixes, so the table answers as if it held them.
    /// </summary>
    public void ShareRanges(PeerRanges peers, int self, Action<int> buildRoutesTowards)
    {
        if (_peers is not null)
        {
            throw new InvalidOperationException("this table already shares a cluster's ranges.");
        }

        _peers = peers;
        _buildRoutesTowards = buildRoutesTowards;
        _built = new ulong[(peers.MaxPeer >> 6) + 1];
        _notBuilt = peers.Count - peers.PrefixesOf(self);
        if ((uint)self <= (uint)peers.MaxPeer)
        {
            _built[self >> 6] |= 1UL << self;
        }
    }

    /// <summary>
    /// This table holds <c>local ADDRESS dev DEVICE</c> (the route <c>ip addr add ADDRESS/32 dev DEVICE</c> installs,
    /// <paramref name="hop"/> naming the device) for every address of <paramref name="addresses"/>, those added later
    /// too: counted from now on, each built the first time a lookup, a find or a change reaches it, so the table
    /// answers as if it held them all.
    /// </summary>
    public void ShareLocalAddresses(SharedAddresses addresses, NextHop hop)
    {
        if (_locals is not null)
        {
            throw new InvalidOperationException("this table already shares a set of local addresses.");
        }

        _locals = addresses;
        _localHop = hop;
        addresses.Held(this);
    }

    /// <summary>
    /// If <paramref name="length"/> is 32 and <paramref name="network"/> a shared local address whose route is not
    /// built yet, builds it (it is then this table's own, and the count stays what it was): true if it did.
    /// </summary>
    private bool BuildLocal(int length, uint network)
    {
        if (length != 32 || !_locals!.Contains(network) || !(_localsBuilt ??= []).Add(network)) // marked first, as BuildShared does
        {
            return false;
        }

        Add(new Route(new Ipv4Prefix(new Ipv4Address(network), 32), RouteType.Local, _localHop));
        return true;
    }

    /// <summary>A shared local address left the set (<see cref="SharedAddresses.Remove"/>): its route goes if this table built it.</summary>
    internal void DropSharedLocal(uint network)
    {
        if (_localsBuilt?.Remove(network) == true && _byLength[32] is { } table && table.Remove(network))
        {
            if (table.Count == 0)
            {
                _lengthsPresent &= ~(1UL << 32);
            }

            _count--;
        }
    }

    /// <summary>Builds what a change or find at <paramref name="prefix"/> reaches of what the table shares.</summary>
    private void BuildShared(Ipv4Prefix prefix)
    {
        if (_peers is not null)
        {
            BuildShared(prefix.Length, prefix.Network.Value);
        }

        if (_locals is not null)
        {
            BuildLocal(prefix.Length, prefix.Network.Value);
        }
    }

    /// <summary>
    /// If the prefix of <paramref name="length"/> at <paramref name="network"/> is a shared peer's whose routes are
    /// not built yet, builds them (they are then this table's own, and the count stays what it was): true if it did.
    /// </summary>
    private bool BuildShared(int length, uint network)
    {
        int peer = _peers!.OwnerOf(length, network);
        if (peer == 0 || (_built![peer >> 6] & (1UL << peer)) != 0)
        {
            return false;
        }

        _built[peer >> 6] |= 1UL << peer; // first, so that the routes it adds here do not build it again
        _notBuilt -= _peers.PrefixesOf(peer);
        _buildRoutesTowards!(peer);
        return true;
    }

    /// <summary>Adds a route; a route to the same prefix is refused (as <c>ip route add</c> refuses, EEXIST).</summary>
    public void Add(Route route)
    {
        BuildShared(route.Prefix);

        var table = _byLength[route.Prefix.Length] ??= new Dictionary<uint, Route>();
        if (!table.TryAdd(route.Prefix.Network.Value, route))
        {
            throw new InvalidOperationException($"a route to {route.Prefix} already exists: {table[route.Prefix.Network.Value]}.");
        }

        _lengthsPresent |= 1UL << route.Prefix.Length;
        _count++;
    }

    /// <summary>Adds or replaces the route to the route's prefix (<c>ip route replace</c>), as BGP updates do.</summary>
    public void Replace(Route route)
    {
        BuildShared(route.Prefix);

        var table = _byLength[route.Prefix.Length] ??= new Dictionary<uint, Route>();
        if (!table.ContainsKey(route.Prefix.Network.Value))
        {
            _count++;
        }

        table[route.Prefix.Network.Value] = route;
        _lengthsPresent |= 1UL << route.Prefix.Length;
    }

    /// <summary>Removes the route to exactly <paramref name="prefix"/>; false if there was none.</summary>
    public bool Remove(Ipv4Prefix prefix)
    {
        BuildShared(prefix);

        var table = _byLength[prefix.Length];
        if (table is null || !table.Remove(prefix.Network.Value))
        {
            return false;
        }

        if (table.Count == 0)
        {
            _lengthsPresent &= ~(1UL << prefix.Length);
        }

        _count--;
        return true;
    }

    /// <summary>The route to exactly <paramref name="prefix"/>, if there is one.</summary>
    public Route? Find(Ipv4Prefix prefix)
    {
        BuildShared(prefix);

        return _byLength[prefix.Length]?.GetValueOrDefault(prefix.Network.Value);
    }

    /// <summary>The most specific route covering <paramref name="destination"/>, or null (ENETUNREACH).</summary>
    public Route? Lookup(Ipv4Address destination)
    {
        ulong lengths = _peers is null ? _lengthsPresent : _lengthsPresent | _peers.LengthsPresent;
        if (_locals is not null)
        {
            lengths |= 1UL << 32;
        }

        while (lengths != 0)
        {
            int length = 63 - System.Numerics.BitOperations.LeadingZeroCount(lengths);
            uint network = destination.Value & Ipv4Prefix.MaskOf(length);
            if (_byLength[length] is { } table && table.TryGetValue(network, out var route))
            {
                return route;
            }

            // A shared peer's range not built yet: build it, then look again at this length (a route built here
            // is exactly the one the full table would have held; a longer one would have matched above).
            if (_peers is not null && BuildShared(length, network) && _byLength[length] is { } built && built.TryGetValue(network, out route))
            {
                return route;
            }

            // A shared local address (a Service IP on kube-ipvs0) not built yet: the same, at /32 only.
            if (_locals is not null && BuildLocal(length, network) && _byLength[length] is { } local && local.TryGetValue(network, out route))
            {
                return route;
            }

            lengths &= ~(1UL << length);
        }

        return null;
    }

}
