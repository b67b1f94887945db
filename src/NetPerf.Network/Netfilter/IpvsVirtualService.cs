using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>An IPVS virtual service (ipvsadm -A) and its real servers (ipvsadm -a ... -m, masquerading).</summary>
public sealed class IpvsVirtualService(IpProtocol protocol, Ipv4Address address, ushort port, IpvsScheduler scheduler)
{
    private readonly List<(Ipv4Address Address, ushort Port)> _servers = [];
    private readonly List<int> _active = [];
    private readonly List<int> _weights = [];
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
        _weights.Add(1);
        return this;
    }

    public IReadOnlyList<int> Weights => _weights;

    /// <summary>
    /// <c>ipvsadm -e -t VIP:PORT -r SERVER -w WEIGHT</c>: weight 0 quiesces a server (no new connections, the
    /// established ones go on), which is how health checkers such as keepalived take a failed one out.
    /// </summary>
    public void SetWeight(int server, int weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        _weights[server] = weight;
    }

    /// <summary>Picks a real server for a new connection; -1 if there is none.</summary>
    internal int Schedule()
    {
        if (_servers.Count == 0)
        {
            return -1;
        }

        int chosen = -1;
        if (Scheduler == IpvsScheduler.RoundRobin)
        {
            // ip_vs_rr: the next server after the last one chosen whose weight is above 0.
            for (int tries = 0; tries < _servers.Count && chosen < 0; tries++)
            {
                int i = _next;
                _next = (_next + 1) % _servers.Count;
                if (_weights[i] > 0)
                {
                    chosen = i;
                }
            }
        }
        else
        {
            for (int i = 0; i < _active.Count; i++)
            {
                if (_weights[i] > 0 && (chosen < 0 || _active[i] < _active[chosen]))
                {
                    chosen = i;
                }
            }
        }

        if (chosen < 0)
        {
            return -1; // every server quiesced
        }

        _active[chosen]++;
        return chosen;
    }

    internal void Closed(int server) => _active[server]--;
}
