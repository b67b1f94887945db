using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// IPVS in masquerading (NAT) mode, as kube-proxy's ipvs mode uses it. Virtual service addresses sit on a
/// dummy device, so packets to them are local; at LOCAL_IN IPVS finds the connection in its own hash table
/// (or schedules a real server for a new one), rewrites the destination and sends the packet out through
/// LOCAL_OUT and POSTROUTING. Replies from the real server are rewritten back to the virtual address at INPUT
/// (local client) or FORWARD (routed client). Every packet of a connection pays one hash lookup, whatever the
/// number of services; conntrack follows along (net.ipv4.vs.conntrack=1, as kube-proxy sets) with its reply
/// tuple altered to the real server, and applies no NAT of its own.
/// </summary>
public sealed class Ipvs(NetworkNamespace ns)
{
    /// <summary>ipvsadm's default UDP timeout (--set tcp 900 tcpfin 120 udp 300).</summary>
    public static readonly SimTime UdpTimeout = SimTime.FromSeconds(300);

    /// <summary>ipvsadm's default TCP timeout for established connections.</summary>
    public static readonly SimTime TcpTimeout = SimTime.FromSeconds(900);

    private readonly Dictionary<(IpProtocol, uint, ushort), IpvsVirtualService> _services = [];
    private readonly Dictionary<FiveTuple, Connection> _byClient = [];
    private readonly Dictionary<FiveTuple, FiveTuple> _replies = []; // real -> client  =>  virtual -> client

    private IpvsServiceTable? _shared;

    public int Connections => _byClient.Count;

    /// <summary>
    /// Serves every virtual service of <paramref name="table"/> (those added to it later too) as if each had been
    /// added here: this node's own state for one is made when a packet first reaches it, fresh, as
    /// <see cref="AddService"/> would have made it. A service of this node's own at the same address and port is refused.
    /// </summary>
    public void Share(IpvsServiceTable table)
    {
        if (_shared is not null)
        {
            throw new InvalidOperationException($"IPVS in {ns} already shares a table of virtual services.");
        }

        _shared = table;
    }

    /// <summary>The virtual service at the address and port, this node's own or the shared table's (made here if it was not yet); null if there is none.</summary>
    public IpvsVirtualService? Find(IpProtocol protocol, Ipv4Address address, ushort port) => Find((protocol, address.Value, port));

    private IpvsVirtualService? Find((IpProtocol, uint, ushort) key)
    {
        if (_services.TryGetValue(key, out var service))
        {
            return service;
        }

        // A shared service's first packet on this node: its own scheduler state from now on (a first use, not a per-packet allocation).
        if (_shared?.Instantiate(key) is { } made)
        {
            _services.Add(key, made);
            return made;
        }

        return null;
    }

    /// <summary><c>ipvsadm -A -u VIP:PORT -s rr</c>; its real servers' list may be one other nodes share (<paramref name="servers"/>).</summary>
    /// <param name="persistence">ipvsadm's -p: connections from one client address go to one real server while they keep coming within it.</param>
    public IpvsVirtualService AddService(IpProtocol protocol, Ipv4Address address, ushort port, IpvsScheduler scheduler = IpvsScheduler.RoundRobin, IpvsRealServers? servers = null, SimTime? persistence = null)
    {
        var service = new IpvsVirtualService(protocol, address, port, scheduler, servers) { Persistence = persistence };
        if (_shared?.Contains((protocol, address.Value, port)) == true || !_services.TryAdd((protocol, address.Value, port), service))
        {
            throw new InvalidOperationException($"{protocol} {address}:{port} is already a virtual service in {ns}.");
        }

        return service;
    }

    /// <summary>
    /// <c>ipvsadm -D -t|-u VIP:PORT</c>: the virtual service (this node's own, or this node's state for one of the
    /// shared table, which its owner deletes there) goes, so a new connection to it is no longer IPVS's and goes on
    /// to the node's own stack. Connections IPVS already holds keep their real server: ip_vs_in looks a packet's
    /// connection up before any service (ip_vs_conn_in_get), and a deleted service's destinations stay referenced by
    /// their connections until those expire (net/netfilter/ipvs/ip_vs_ctl.c, __ip_vs_del_service: the dests move to
    /// the trash). True if there was one here.
    /// </summary>
    public bool RemoveService(IpProtocol protocol, Ipv4Address address, ushort port) => _services.Remove((protocol, address.Value, port));

    /// <summary>
    /// LOCAL_IN: a packet for a virtual service is taken and sent on to a real server (<see cref="IpvsVerdict.Forward"/>),
    /// or, when the service has no usable real server, left for ip_vs_leave's ICMP and drop (<see cref="IpvsVerdict.NoDestination"/>).
    /// </summary>
    internal IpvsVerdict TryRequest(ref PacketWalk walk, NetDevice device)
    {
        ref var p = ref walk.P;
        var tuple = p.VisibleFlow;
        walk.Charge(KernelStage.IpvsLookup, device);
        long now = ns.Host.Sim.Now.Picoseconds;
        bool found = _byClient.TryGetValue(tuple, out var connection);
        // A new SYN on a client tuple whose connection IPVS still holds (the port came round again while the entry
        // waits out its timeout): with net.ipv4.vs.conn_reuse_mode 1, the default, ip_vs_in_hook expires the old
        // connection and schedules the SYN afresh (since 5.9 also when conntrack is on: the SYN's conntrack entry is
        // a new, unconfirmed one, so ip_vs_conn_uses_old_conntrack is false and nothing is dropped). The model keeps
        // no IPVS TCP state, so any such SYN is taken as reusing a closed connection, which is what a port coming
        // round in the ephemeral range meets.
        var flags = p.VisibleTcpFlags;
        bool newSyn = (flags & (Packets.TcpFlags.Syn | Packets.TcpFlags.Ack)) == Packets.TcpFlags.Syn;
        if (!found || connection.ExpiresPs <= now || newSyn)
        {
            if (connection.Service is not null)
            {
                Expire(tuple, connection);
            }

            if (Find((tuple.Protocol, tuple.Destination.Value, tuple.DestinationPort)) is not { } service)
            {
                return IpvsVerdict.NotIpvs;
            }

            if (tuple.Protocol == IpProtocol.Tcp && (flags & Packets.TcpFlags.Syn) == 0)
            {
                // tcp_conn_schedule schedules a SYN only (net.ipv4.vs.sloppy_tcp 0): a stray segment with no
                // connection is accepted on to the node's stack, which resets it.
                return IpvsVerdict.NotIpvs;
            }

            walk.Charge(KernelStage.IpvsSchedule, device);
            int server = service.Schedule(tuple.Source, now);
            if (server < 0)
            {
                // ip_vs_schedule found no destination: ip_vs_leave answers with ICMP port unreachable, "no matter it
                // is TCP/UDP", and drops the packet (NF_DROP), which never reaches the node's own sockets.
                return IpvsVerdict.NoDestination;
            }

            var (address, port) = service.RealServers[server];
            var toReal = tuple with { Destination = address, DestinationPort = port };
            connection = new Connection(service, server, toReal, 0);
            _replies[toReal.Reversed] = tuple.Reversed;
            if (p.ConntrackEntry != 0 && ns.Netfilter is { } nf)
            {
                nf.Conntrack.AlterReplyForIpvs(p.ConntrackEntry, toReal.Reversed);
            }
        }

        _byClient[tuple] = connection with { ExpiresPs = now + Timeout(tuple.Protocol) };
        walk.Charge(KernelStage.Nat, device);
        p.SetVisibleFlow(connection.ToReal);
        return IpvsVerdict.Forward;
    }

    /// <summary>INPUT or FORWARD: a reply from a real server gets the virtual service's address back as its source.</summary>
    internal void TryReply(ref PacketWalk walk, NetDevice device)
    {
        ref var p = ref walk.P;
        if (_replies.Count == 0 || !_replies.TryGetValue(p.VisibleFlow, out var virtualToClient))
        {
            return;
        }

        walk.Charge(KernelStage.IpvsLookup, device);
        walk.Charge(KernelStage.Nat, device);
        p.SetVisibleFlow(p.VisibleFlow with { Source = virtualToClient.Source, SourcePort = virtualToClient.SourcePort });
    }

    private void Expire(FiveTuple client, Connection connection)
    {
        _byClient.Remove(client);
        _replies.Remove(connection.ToReal.Reversed);
        connection.Service!.Closed(connection.Server);
    }

    private static long Timeout(IpProtocol protocol) => (protocol == IpProtocol.Tcp ? TcpTimeout : UdpTimeout).Picoseconds;

    internal enum IpvsVerdict
    {
        /// <summary>Not for a virtual service (or a TCP segment IPVS does not schedule): the stack goes on with it.</summary>
        NotIpvs,

        /// <summary>Rewritten to its real server: out again through LOCAL_OUT.</summary>
        Forward,

        /// <summary>For a virtual service with no usable real server: ip_vs_leave.</summary>
        NoDestination,
    }

    private readonly record struct Connection(IpvsVirtualService? Service, int Server, FiveTuple ToReal, long ExpiresPs);
}
