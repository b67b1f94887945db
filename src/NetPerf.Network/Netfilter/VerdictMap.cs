using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// An nftables verdict map keyed by destination address . protocol . destination port, whose values are chains
/// to jump to: <c>map service-ips { type ipv4_addr . inet_proto . inet_service : verdict }</c>; or, made with
/// <see cref="ByPort"/>, by protocol . destination port alone: <c>map service-nodeports { type inet_proto .
/// inet_service : verdict }</c>.
/// </summary>
public sealed class VerdictMap
{
    private readonly Dictionary<(uint Address, IpProtocol Protocol, ushort Port), Chain> _entries = [];

    /// <summary>The map this one's lookups fall through to (<see cref="Over"/>), or null.</summary>
    private VerdictMap? _under;

    /// <summary>
    /// One host's copy of a map that many hosts hold alike: its own elements first, then <paramref name="shared"/>'s,
    /// so that elements every host's control plane writes the same are held once, and a host's own differ (each
    /// node's kube-proxy writes its own service-ips map). A lookup is one lookup, as in the kernel.
    /// </summary>
    public static VerdictMap Over(VerdictMap shared) => new() { PortOnly = shared.PortOnly, _under = shared };

    /// <summary>A map keyed by protocol and destination port only (<c>meta l4proto . th dport vmap @NAME</c>).</summary>
    public static VerdictMap ByPort() => new() { PortOnly = true };

    /// <summary>Whether the destination address is left out of the key.</summary>
    public bool PortOnly { get; private init; }

    public int Count => _entries.Count;

    public void Add(Ipv4Address address, IpProtocol protocol, ushort port, Chain chain) =>
        _entries[(PortOnly ? 0 : address.Value, protocol, port)] = chain;

    /// <summary>An element of a <see cref="ByPort"/> map.</summary>
    public void Add(IpProtocol protocol, ushort port, Chain chain)
    {
        if (!PortOnly)
        {
            throw new InvalidOperationException("this map is keyed by address too; give the address.");
        }

        _entries[(0, protocol, port)] = chain;
    }

    public bool Remove(Ipv4Address address, IpProtocol protocol, ushort port) => _entries.Remove((PortOnly ? 0 : address.Value, protocol, port));

    /// <summary>The chain the element for the port jumps to (this map's own, or the shared map's under it), or null: <c>nft get element</c>.</summary>
    public Chain? Find(IpProtocol protocol, ushort port) =>
        !PortOnly ? throw new InvalidOperationException("this map is keyed by address too; give the address.")
        : TryGet(Ipv4Address.Any, protocol, port, out var chain) ? chain : null;

    internal bool TryGet(Ipv4Address address, IpProtocol protocol, ushort port, out Chain chain) =>
        _entries.TryGetValue((PortOnly ? 0 : address.Value, protocol, port), out chain!)
        || (_under is not null && _under.TryGet(address, protocol, port, out chain));
}
