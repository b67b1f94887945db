using NetPerf.Network.Addressing;

namespace NetPerf.Network.Routing;

/// <summary>
/// Which peer (another host of the same routing domain, by a number the caller gives) owns each of a set of
/// prefixes: one immutable table for a whole cluster, which every member's <see cref="Fib"/> consults
/// (<see cref="Fib.ShareRanges"/>) instead of holding its own copy of routes to every other member.
/// </summary>
/// <remarks>
/// The kernel's FIB is per network namespace: each node's table really holds a route to every other node's pod
/// range (flannel's <c>10.244.M.0/24 via ...</c>, Calico's <c>BLOCK via ...</c>), n - 1 of them on each of n
/// nodes, n(n - 1) in all: 25 M at 5,000 nodes, the bulk of such a cluster's memory when each is its own object.
/// Every node's table holds the same prefixes, save its own, each towards the same owner; only the route's device
/// and gateway differ between nodes (a device's index, the node's own ToR). So the prefixes and their owners are
/// held once here, and a node's route to a peer is built the first time a lookup (or a change) touches one of
/// that peer's prefixes: what only measured paths touch is built, and every lookup answers as the full table would.
/// </remarks>
public sealed class PeerRanges
{
    private readonly Dictionary<uint, int>?[] _byLength = new Dictionary<uint, int>?[33];
    private readonly int[] _prefixesOf;

    /// <param name="ranges">Each peer's prefixes, peers numbered from 1; a prefix held by two peers is refused (two nodes cannot own one pod range).</param>
    /// <param name="maxPeer">The largest peer number.</param>
    public PeerRanges(IEnumerable<(int Peer, Ipv4Prefix Prefix)> ranges, int maxPeer)
    {
        _prefixesOf = new int[maxPeer + 1];
        foreach (var (peer, prefix) in ranges)
        {
            if (peer < 1 || peer > maxPeer)
            {
                throw new ArgumentOutOfRangeException(nameof(ranges), peer, $"peers are numbered 1 to {maxPeer}.");
            }

            var table = _byLength[prefix.Length] ??= [];
            if (!table.TryAdd(prefix.Network.Value, peer))
            {
                throw new ArgumentException($"{prefix} is owned by peer {table[prefix.Network.Value]} and by peer {peer}.", nameof(ranges));
            }

            LengthsPresent |= 1UL << prefix.Length;
            _prefixesOf[peer]++;
            Count++;
        }
    }

    /// <summary>Bit L set: some prefix has length L.</summary>
    public ulong LengthsPresent { get; }

    /// <summary>Prefixes in all.</summary>
    public int Count { get; }

    /// <summary>The largest peer number a member may be.</summary>
    public int MaxPeer => _prefixesOf.Length - 1;

    /// <summary>How many prefixes <paramref name="peer"/> owns (the routes a member holds towards it).</summary>
    public int PrefixesOf(int peer) => (uint)peer < (uint)_prefixesOf.Length ? _prefixesOf[peer] : 0;

    /// <summary>The owner of the prefix of <paramref name="length"/> whose network is <paramref name="network"/>, or 0.</summary>
    public int OwnerOf(int length, uint network) =>
        _byLength[length] is { } table && table.TryGetValue(network, out int peer) ? peer : 0;
}
