using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// An nftables verdict map keyed by destination address . protocol . destination port, whose values are chains
/// to jump to: <c>map service-ips { type ipv4_addr . inet_proto . inet_service : verdict }</c>.
/// </summary>
public sealed class VerdictMap
{
    private readonly Dictionary<(uint Address, IpProtocol Protocol, ushort Port), Chain> _entries = [];

    public int Count => _entries.Count;

    public void Add(Ipv4Address address, IpProtocol protocol, ushort port, Chain chain) =>
        _entries[(address.Value, protocol, port)] = chain;

    public bool Remove(Ipv4Address address, IpProtocol protocol, ushort port) => _entries.Remove((address.Value, protocol, port));

    internal bool TryGet(Ipv4Address address, IpProtocol protocol, ushort port, out Chain chain) =>
        _entries.TryGetValue((address.Value, protocol, port), out chain!);
}
