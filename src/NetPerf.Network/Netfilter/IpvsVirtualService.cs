using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>An IPVS virtual service (ipvsadm -A) and its real servers (ipvsadm -a ... -m, masquerading).</summary>
public sealed class IpvsVirtualService(IpProtocol protocol, Ipv4Address address, ushort port, IpvsScheduler scheduler)
{
    private readonly List<(Ipv4Address Address, ushort Port)> _servers = [];
    private readonly List<int> _active = [];
    private int _next;

    public IpProtocol Protocol { get; } = protocol;
    public Ipv4Address Address { get; } = address;
    public ushort Port { get; } = port;
    public IpvsScheduler Scheduler { get; } = scheduler;
    public IReadOnlyList<(Ipv4Address Address, ushort Port)> RealServers => _servers;

    /// <summary>Connections per real server that have not expired (as far as the table has noticed).</summary>
    public IReadOnlyList<int> ActiveConnections => _active;

    public IpvsVirtualService AddRealServer(Ipv4Address address, ushort port)
    {
        _servers.Add((address, port));
        _active.Add(0);
        return this;
    }

    /// <summary>Picks a real server for a new connection; -1 if there is none.</summary>
    internal int Schedule()
    {
        if (_servers.Count == 0)
        {
            return -1;
        }

        int chosen;
        if (Scheduler == IpvsScheduler.RoundRobin)
        {
            chosen = _next;
            _next = (_next + 1) % _servers.Count;
        }
        else
        {
            chosen = 0;
            for (int i = 1; i < _active.Count; i++)
            {
                if (_active[i] < _active[chosen])
                {
                    chosen = i;
                }
            }
        }

        _active[chosen]++;
        return chosen;
    }

    internal void Closed(int server) => _active[server]--;
}
