using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// A virtual service's real servers as the control plane programs them (ipvsadm -a ... -m): one list that the
/// same virtual service on every node may share, since kube-proxy programs every node with the same servers.
/// The weights kube-proxy gives them are the same on every node too (<see cref="SetWeight"/>); what each node's
/// kernel keeps of its own (the scheduler's position, connection counts, a weight set on that node alone) stays
/// in <see cref="IpvsVirtualService"/>.
/// </summary>
public sealed class IpvsRealServers
{
    private readonly List<(Ipv4Address Address, ushort Port)> _servers = [];
    private List<int>? _weights; // held only once a weight other than 1 was set

    public IReadOnlyList<(Ipv4Address Address, ushort Port)> All => _servers;

    public int Count => _servers.Count;

    public void Add(Ipv4Address address, ushort port) => _servers.Add((address, port));

    /// <summary>The weight the control plane gave <paramref name="server"/> (1 unless set).</summary>
    public int Weight(int server) => _weights is { } w && server < w.Count ? w[server] : 1;

    /// <summary>
    /// <c>ipvsadm -e ... -r SERVER -w WEIGHT</c> on every node sharing the list, as kube-proxy writes the same weight
    /// everywhere (0 for an endpoint being terminated). A node's own weight (<see cref="IpvsVirtualService.SetWeight"/>) comes first.
    /// </summary>
    public void SetWeight(int server, int weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(server, _servers.Count);
        if (weight == 1 && (_weights is null || server >= _weights.Count))
        {
            return; // already 1: nothing to hold
        }

        _weights ??= [];
        while (_weights.Count <= server)
        {
            _weights.Add(1);
        }

        _weights[server] = weight;
    }
}

/// <summary>
/// An IPVS virtual service (ipvsadm -A) on one node and its real servers (ipvsadm -a ... -m, masquerading). The
/// servers' list may be shared with the same service on other nodes (<see cref="IpvsRealServers"/>); this
/// node's active connections and any weight set on it alone are its own, held only for servers it has scheduled
/// or reweighted (a server without an entry has the list's weight and no connections), so a node that never
/// serves a Service holds no per-server state for it.
/// </summary>
public sealed class IpvsVirtualService(IpProtocol protocol, Ipv4Address address, ushort port, IpvsScheduler scheduler, IpvsRealServers? servers = null)
{
    private readonly IpvsRealServers _servers = servers ?? new IpvsRealServers();
    private List<int>? _active;
    private List<int>? _weights;
    private int _next;

    public IpProtocol Protocol { get; } = protocol;
    public Ipv4Address Address { get; } = address;
    public ushort Port { get; } = port;
    public IpvsScheduler Scheduler { get; } = scheduler;
    public IReadOnlyList<(Ipv4Address Address, ushort Port)> RealServers => _servers.All;

    /// <summary>The list of real servers, shared or not.</summary>
    public IpvsRealServers Servers => _servers;

    /// <summary>Connections per real server that have not expired (as far as the table has noticed).</summary>
    public IReadOnlyList<int> ActiveConnections => [.. Enumerable.Range(0, _servers.Count).Select(Active)];

    /// <summary>Adds a real server to the list (to every node sharing it).</summary>
    public IpvsVirtualService AddRealServer(Ipv4Address address, ushort port)
    {
        _servers.Add(address, port);
        return this;
    }

    public IReadOnlyList<int> Weights => [.. Enumerable.Range(0, _servers.Count).Select(Weight)];

    private int Weight(int server) => _weights is { } w && server < w.Count && w[server] >= 0 ? w[server] : _servers.Weight(server); // -1: the list's

    private int Active(int server) => _active is { } a && server < a.Count ? a[server] : 0;

    private static void Grow(ref List<int>? list, int server, int fill)
    {
        list ??= [];
        while (list.Count <= server)
        {
            list.Add(fill);
        }
    }

    /// <summary>
    /// <c>ipvsadm -e -t VIP:PORT -r SERVER -w WEIGHT</c>: weight 0 quiesces a server (no new connections, the
    /// established ones go on), which is how health checkers such as keepalived take a failed one out.
    /// </summary>
    public void SetWeight(int server, int weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(server, _servers.Count);
        if (weight == _servers.Weight(server) && (_weights is null || server >= _weights.Count))
        {
            return; // already the list's: nothing to hold
        }

        Grow(ref _weights, server, -1);
        _weights![server] = weight;
    }

    /// <summary>
    /// <c>ipvsadm -A ... -p SECONDS</c>: persistence. A new connection from a client address that has a template
    /// (a connection from it within the timeout) goes to the template's server; otherwise the scheduler picks and
    /// a template is made. The kernel re-arms the template with each connection it controls
    /// (net/netfilter/ipvs/ip_vs_core.c ip_vs_sched_persist); here its timeout runs from the client's last new
    /// connection. Null: none (the default).
    /// </summary>
    public SimTime? Persistence { get; init; }

    private Dictionary<uint, (int Server, long ExpiresPs)>? _templates;

    /// <summary>A new connection from <paramref name="client"/> at <paramref name="nowPs"/>: its persistent server, or the scheduler's pick; -1 if there is none.</summary>
    internal int Schedule(Ipv4Address client, long nowPs)
    {
        if (Persistence is not { } timeout)
        {
            return Schedule();
        }

        _templates ??= [];
        if (_templates.TryGetValue(client.Value, out var template) && template.ExpiresPs > nowPs && template.Server < _servers.Count)
        {
            Grow(ref _active, template.Server, 0);
            _active![template.Server]++;
            _templates[client.Value] = (template.Server, nowPs + timeout.Picoseconds);
            return template.Server;
        }

        int chosen = Schedule();
        if (chosen >= 0)
        {
            _templates[client.Value] = (chosen, nowPs + timeout.Picoseconds);
        }

        return chosen;
    }

    /// <summary>Picks a real server for a new connection; -1 if there is none.</summary>
    internal int Schedule()
    {
        int count = _servers.Count;
        if (count == 0)
        {
            return -1;
        }

        int chosen = -1;
        if (Scheduler == IpvsScheduler.RoundRobin)
        {
            // ip_vs_rr: the next server after the last one chosen whose weight is above 0.
            for (int tries = 0; tries < count && chosen < 0; tries++)
            {
                int i = _next % count;
                _next = (i + 1) % count;
                if (Weight(i) > 0)
                {
                    chosen = i;
                }
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                if (Weight(i) > 0 && (chosen < 0 || Active(i) < Active(chosen)))
                {
                    chosen = i;
                }
            }
        }

        if (chosen < 0)
        {
            return -1; // every server quiesced
        }

        Grow(ref _active, chosen, 0);
        _active![chosen]++;
        return chosen;
    }

    internal void Closed(int server) => _active![server]--;
}
