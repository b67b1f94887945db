using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// Virtual services that the control plane programs the same on many nodes (kube-proxy's ipvs proxier writes
/// every ClusterIP:port, with the same real servers, scheduler and persistence, on every node): held once. Each
/// node's <see cref="Ipvs"/> that shares the table (<see cref="Ipvs.Share"/>) serves every service in it as if it
/// had been added there, and makes its own <see cref="IpvsVirtualService"/> (its scheduler's position, active
/// connections, persistence templates) the first time a packet reaches one; until then the node holds nothing for
/// it. What only one node has (a NodePort on its own addresses, a node's own list of endpoints) is added to that
/// node's <see cref="Ipvs"/> directly.
/// </summary>
public sealed class IpvsServiceTable
{
    private readonly Dictionary<(IpProtocol, uint, ushort), Entry> _services = [];

    /// <summary>Virtual services in the table.</summary>
    public int Count => _services.Count;

    /// <summary><c>ipvsadm -A -t|-u VIP:PORT -s SCHEDULER [-p TIMEOUT]</c> on every node sharing the table, its real servers <paramref name="servers"/>.</summary>
    public void Add(IpProtocol protocol, Ipv4Address address, ushort port, IpvsScheduler scheduler, IpvsRealServers servers, SimTime? persistence = null)
    {
        if (!_services.TryAdd((protocol, address.Value, port), new Entry(scheduler, servers, persistence)))
        {
            throw new InvalidOperationException($"{protocol} {address}:{port} is already a virtual service of the shared table.");
        }
    }

    /// <summary>
    /// <c>ipvsadm -D</c> on every node sharing the table: gone from the table, so no node makes its state for it any
    /// more; a node that has made it already deletes its own (<see cref="Ipvs.RemoveService"/>). True if it was here.
    /// </summary>
    public bool Remove(IpProtocol protocol, Ipv4Address address, ushort port) => _services.Remove((protocol, address.Value, port));

    /// <summary>The real servers of the virtual service at <paramref name="address"/>:<paramref name="port"/>, if the table has it.</summary>
    public IpvsRealServers? Servers(IpProtocol protocol, Ipv4Address address, ushort port) =>
        _services.TryGetValue((protocol, address.Value, port), out var entry) ? entry.Servers : null;

    internal bool Contains((IpProtocol, uint, ushort) key) => _services.ContainsKey(key);

    /// <summary>A node's own virtual service for the table's entry at <paramref name="key"/>, made fresh (as <c>ipvsadm -A</c> made it); null if there is none.</summary>
    internal IpvsVirtualService? Instantiate((IpProtocol Protocol, uint Address, ushort Port) key) =>
        _services.TryGetValue(key, out var e)
            ? new IpvsVirtualService(key.Protocol, new Ipv4Address(key.Address), key.Port, e.Scheduler, e.Servers) { Persistence = e.Persistence }
            : null;

    private readonly record struct Entry(IpvsScheduler Scheduler, IpvsRealServers Servers, SimTime? Persistence);
}
