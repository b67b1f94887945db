using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Routing;
using NetPerf.Network.Stack;

namespace NetPerf.Network.Topology;

/// <summary>
/// A network namespace: its own interfaces, addresses, routes, neighbours and sockets. Every namespace starts
/// with <c>lo</c> at 127.0.0.1/8, which is how the containers of one pod reach each other on localhost.
/// </summary>
public sealed class NetworkNamespace
{
    private readonly List<NetDevice> _devices = [];
    private readonly Dictionary<int, NetDevice> _byIndex = [];
    private readonly Dictionary<uint, NetDevice> _localAddresses = [];
    // Made on first use: most of a large cluster's namespaces are pods that never hold a permanent neighbour, a
    // learned path MTU or a fragment (150,000 pods at Kubernetes' thresholds: 80 B an empty table).
    private Dictionary<uint, MacAddress>? _neighbours;
    private Dictionary<(int Device, uint Address), MacAddress>? _neighbourCache;
    private Dictionary<uint, (int Mtu, long ExpiresPs)>? _pathMtu;
    private Dictionary<(FiveTuple Flow, int DatagramId), (long Bytes, long FirstPs)>? _reassembly;
    private readonly Dictionary<(IpProtocol, ushort), ILocalEndpoint> _endpoints = [];

    internal NetworkNamespace(Host host, string name)
    {
        Host = host;
        Name = name;
        Loopback = new LoopbackDevice(this);
        AddAddress(Loopback, "127.0.0.1/8");
    }

    public Host Host { get; }
    public string Name { get; }
    public Fib Fib { get; } = new();
    public LoopbackDevice Loopback { get; }
    public IReadOnlyList<NetDevice> Devices => _devices;

    /// <summary>
    /// The key of this namespace's ECMP hash: Linux keys fib_multipath_hash with a secret drawn at boot
    /// (net/ipv4/route.c, hash_keys via flow_hash_from_keys), a switch with its configured hash seed, so two routers
    /// split the same flows differently. 0, the default, is the unkeyed hash every host used before.
    /// </summary>
    public uint MultipathHashSeed { get; set; }

    /// <summary>net.ipv4.ip_forward: off by default, as in a fresh namespace; nodes turn it on.</summary>
    public bool IpForward { get; set; }

    /// <summary>
    /// net.ipv4.conf.all.arp_ignore: 0 (the default) answers ARP for any local address on any interface; 1 only
    /// for addresses on the interface asked, so addresses on a dummy device stay silent (kube-proxy's strictARP,
    /// which MetalLB needs in IPVS mode).
    /// </summary>
    public int ArpIgnore { get; set; }

    /// <summary>Netfilter (iptables and conntrack), once loaded; null means no hook costs anything.</summary>
    public Iptables? Netfilter { get; private set; }

    private IcmpRateLimit? _icmpRateLimit;

    /// <summary>The limits on the ICMP errors this namespace sends (made at the first one: most namespaces send none).</summary>
    public IcmpRateLimit IcmpRateLimit => _icmpRateLimit ??= new IcmpRateLimit();

    /// <summary>IPVS, once loaded.</summary>
    public Ipvs? Ipvs { get; private set; }

    /// <summary>Loads IPVS (and netfilter, which it runs inside).</summary>
    public Ipvs EnableIpvs()
    {
        EnableNetfilter();
        return Ipvs ??= new Ipvs(this);
    }

    /// <summary>
    /// Loads iptables and conntrack in this namespace (as kube-proxy's first rule does). Its table follows the
    /// host's <see cref="Host.Conntrack"/> sysctls unless <paramref name="conntrackMax"/> gives it a maximum of its own.
    /// </summary>
    public Iptables EnableNetfilter(int? conntrackMax = null) =>
        Netfilter ??= new Iptables(this, Host.Testbed.Streams.Create($"{Host.Name}/{Name}/iptables"),
            conntrackMax is { } max ? new ConntrackSysctls { Max = max, Timeouts = Host.Conntrack.Timeouts } : Host.Conntrack, Host.IptablesBackend,
            Host.Testbed.Streams.Create($"{Host.Name}/{Name}/nat"));

    internal void Attach(NetDevice device)
    {
        if (_devices.Any(d => d.Name == device.Name))
        {
            throw new ArgumentException($"namespace {Name} on {Host.Name} already has a device named '{device.Name}'.");
        }

        _devices.Add(device);
        _byIndex.Add(device.Index, device);
    }

    public NetDevice Device(int index) =>
        _byIndex.TryGetValue(index, out var device) ? device : throw new ArgumentException($"no device with index {index} in namespace {Name} on {Host.Name}.");

    /// <summary>
    /// <c>ip addr add 10.244.1.1/24 dev cni0</c>: the address becomes local (a local /32 route) and its prefix
    /// reachable on the device (a connected route), as the kernel installs them. On <c>lo</c> the whole prefix is
    /// local, as 127.0.0.0/8 is.
    /// </summary>
    public void AddAddress(NetDevice device, string addressWithLength)
    {
        int slash = addressWithLength.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !int.TryParse(addressWithLength.AsSpan(slash + 1), out int length))
        {
            throw new FormatException($"'{addressWithLength}' is not an interface address (address/length, e.g. 10.244.1.1/24).");
        }

        AddAddress(device, Ipv4Address.Parse(addressWithLength[..slash]), length);
    }

    public void AddAddress(NetDevice device, Ipv4Address address, int prefixLength)
    {
        if (device.Namespace != this)
        {
            throw new ArgumentException($"{device.Name} is in namespace {device.Namespace.Name}, not {Name}.", nameof(device));
        }

        if (_shared?.Addresses.Contains(address) == true || !_localAddresses.TryAdd(address.Value, device))
        {
            throw new InvalidOperationException($"{address} is already assigned in namespace {Name} on {Host.Name}.");
        }

        device.PrimaryAddress ??= address;
        var hop = new NextHop(device.Index, Ipv4Address.Any);
        var connected = new Ipv4Prefix(address, prefixLength);
        if (device is LoopbackDevice)
        {
            Fib.Add(new Route(connected, RouteType.Local, hop));
            return;
        }

        Fib.Add(new Route(new Ipv4Prefix(address, 32), RouteType.Local, hop));
        if (prefixLength < 32 && Fib.Find(connected) is null)
        {
            Fib.Add(new Route(connected, RouteType.Unicast, hop));
        }
    }

    /// <summary>
    /// <c>ip addr del ADDRESS/32 dev DEVICE</c> for an address given with <see cref="AddAddress(NetDevice, Ipv4Address, int)"/>
    /// at /32: no longer local, its local route gone (fib_del_ifaddr). False if the device did not hold it.
    /// </summary>
    public bool RemoveAddress(NetDevice device, Ipv4Address address)
    {
        if (!_localAddresses.TryGetValue(address.Value, out var owner) || owner != device)
        {
            return false;
        }

        _localAddresses.Remove(address.Value);
        Fib.Remove(new Ipv4Prefix(address, 32));
        return true;
    }

    private (SharedAddresses Addresses, NetDevice Device)? _shared;

    /// <summary>
    /// <paramref name="device"/> holds every address of <paramref name="addresses"/> (and those added to it later)
    /// as if each were given with <c>ip addr add ADDRESS/32 dev DEVICE</c>: local, owned by the device, its local
    /// route built in this namespace's FIB when first looked up (<see cref="Fib.ShareLocalAddresses"/>). Many
    /// namespaces hold one set so: every node's kube-ipvs0 holds every Service IP. An address of the set may not
    /// also be given to a device here (EEXIST, as the kernel refuses a second <c>ip addr add</c> of it); the set's
    /// addresses are the Service CIDR's, which a cluster keeps apart from node and pod addresses.
    /// </summary>
    public void AttachSharedAddresses(NetDevice device, SharedAddresses addresses)
    {
        if (device.Namespace != this)
        {
            throw new ArgumentException($"{device.Name} is in namespace {device.Namespace.Name}, not {Name}.", nameof(device));
        }

        if (_shared is not null)
        {
            throw new InvalidOperationException($"namespace {Name} on {Host.Name} already holds a shared set of addresses on {_shared.Value.Device.Name}.");
        }

        _shared = (addresses, device);
        device.SharedAddresses = addresses;
        Fib.ShareLocalAddresses(addresses, new NextHop(device.Index, Ipv4Address.Any));
    }

    /// <summary>
    /// <c>ip route add PREFIX [via GATEWAY] dev DEVICE [onlink]</c>: a unicast route out of one of this
    /// namespace's devices, to a gateway or (without <paramref name="via"/>) straight to the destination.
    /// </summary>
    public void AddRoute(string prefix, NetDevice device, string? via = null, bool onLink = false)
    {
        if (device.Namespace != this)
        {
            throw new ArgumentException($"{device.Name} is in namespace {device.Namespace.Name}, not {Name}.", nameof(device));
        }

        var gateway = via is null ? Ipv4Address.Any : Ipv4Address.Parse(via);
        Fib.Add(new Route(Ipv4Prefix.Parse(prefix), RouteType.Unicast, new NextHop(device.Index, gateway, onLink)));
    }

    /// <summary>An address of this namespace that is not on lo (the first assigned), for source selection.</summary>
    internal Ipv4Address? AnyGlobalAddress()
    {
        foreach (var device in _devices)
        {
            if (device != Loopback && device.PrimaryAddress is { } address)
            {
                return address;
            }
        }

        return null;
    }

    public bool IsLocal(Ipv4Address address) => _localAddresses.ContainsKey(address.Value) || _shared?.Addresses.Contains(address.Value) == true;

    /// <summary>The device that owns a local address.</summary>
    public NetDevice? OwnerOf(Ipv4Address address) =>
        _localAddresses.TryGetValue(address.Value, out var device) ? device
        : _shared is { } shared && shared.Addresses.Contains(address.Value) ? shared.Device
        : null;

    /// <summary>A permanent neighbour entry (<c>ip neigh add ... lladdr ... nud permanent</c>), as flannel installs for remote VTEPs.</summary>
    public void AddNeighbour(Ipv4Address address, MacAddress mac) => (_neighbours ??= [])[address.Value] = mac;

    /// <summary>
    /// The link-layer address of <paramref name="nextHop"/> on <paramref name="device"/>: a permanent entry, or
    /// what ARP would learn on the link (including a proxy-ARP answer). ARP's own packets and delay are not
    /// modelled: caches are taken as warm.
    /// </summary>
    public MacAddress? Resolve(NetDevice device, Ipv4Address nextHop)
    {
        MacAddress mac = default;
        if ((_neighbours?.TryGetValue(nextHop.Value, out mac) ?? false) || (_neighbourCache?.TryGetValue((device.Index, nextHop.Value), out mac) ?? false))
        {
            return mac;
        }

        var learned = device.ResolveOnLink(nextHop);
        if (learned is not null)
        {
            (_neighbourCache ??= [])[(device.Index, nextHop.Value)] = learned.Value;
        }

        return learned;
    }

    /// <summary>Datagrams being reassembled: fragments received so far.</summary>
    internal Dictionary<(FiveTuple Flow, int DatagramId), (long Bytes, long FirstPs)> ReassemblyQueue => _reassembly ??= [];

    /// <summary>How long a learned path MTU holds: net.ipv4.route.mtu_expires, 600 s.</summary>
    public static readonly Engine.Time.SimTime PathMtuExpiry = Engine.Time.SimTime.FromSeconds(600);

    /// <summary>Path MTUs learned from ICMP "fragmentation needed", per destination (the kernel's route exceptions).</summary>
    public int? PathMtu(Ipv4Address destination) =>
        _pathMtu is { } learned && learned.TryGetValue(destination.Value, out var e) && e.ExpiresPs > Host.Sim.Now.Picoseconds ? e.Mtu : null;

    /// <summary>
    /// The MTU a locally sent packet to <paramref name="destination"/> meets on <paramref name="device"/>: the
    /// device's, or less where a path MTU was learned (ip_skb_dst_mtu: the route exception's PMTU). Free when none was.
    /// </summary>
    internal int RouteMtu(NetDevice device, Ipv4Address destination) =>
        _pathMtu is null ? device.Mtu : Math.Min(device.Mtu, PathMtu(destination) ?? int.MaxValue);

    internal void LearnPathMtu(Ipv4Address destination, int mtu)
    {
        int current = PathMtu(destination) ?? int.MaxValue;
        (_pathMtu ??= [])[destination.Value] = (Math.Min(current, mtu), Host.Sim.Now.Picoseconds + PathMtuExpiry.Picoseconds);
    }

    /// <summary>Forgets what ARP learned (after devices or addresses change); permanent entries stay.</summary>
    public void FlushNeighbourCache() => _neighbourCache?.Clear();

    /// <summary>Binds an endpoint to a protocol and port of this namespace (port 0 for protocols without ports).</summary>
    public void Bind(IpProtocol protocol, ushort port, ILocalEndpoint endpoint)
    {
        if (!_endpoints.TryAdd((protocol, port), endpoint))
        {
            throw new InvalidOperationException($"{protocol} port {port} is already bound in namespace {Name} on {Host.Name} (EADDRINUSE).");
        }
    }

    /// <summary>Releases a binding (a closed socket's port).</summary>
    public void Unbind(IpProtocol protocol, ushort port, ILocalEndpoint endpoint)
    {
        if (!_endpoints.TryGetValue((protocol, port), out var bound) || !ReferenceEquals(bound, endpoint))
        {
            throw new InvalidOperationException($"{protocol} port {port} in namespace {Name} on {Host.Name} is not bound to this endpoint.");
        }

        _endpoints.Remove((protocol, port));
    }

    /// <summary>net.ipv4.ip_local_port_range's default, 32768-60999.</summary>
    public const ushort EphemeralFirst = 32768, EphemeralLast = 60999;

    private ushort _nextEphemeral = EphemeralFirst;

    /// <summary>
    /// An unused port from the ephemeral range for a UDP socket's autobind (TCP's connect() takes
    /// <see cref="AllocateConnectPort"/>). Ports are handed out in turn
    /// through the range, so a port comes back only after the whole range (28,232 connections): a new
    /// connection does not meet its predecessor's conntrack entry, as it rarely does on Linux. A port held by an
    /// endpoint that allows it (<see cref="IReusableEndpoint"/>, TIME-WAIT under tcp_tw_reuse) can be taken over.
    /// </summary>
    public ushort AllocateEphemeralPort(IpProtocol protocol)
    {
        for (int tries = 0; tries <= EphemeralLast - EphemeralFirst; tries++)
        {
            ushort port = _nextEphemeral;
            _nextEphemeral = port == EphemeralLast ? EphemeralFirst : (ushort)(port + 1);
            if (!_endpoints.TryGetValue((protocol, port), out var holder) || (holder is IReusableEndpoint r && r.TryRelease()))
            {
                return port;
            }
        }

        throw new PortsExhaustedException($"no free {protocol} port in {EphemeralFirst}-{EphemeralLast} in namespace {Name} on {Host.Name} (EADDRNOTAVAIL).");
    }

    /// <summary>
    /// The source port of a TCP connect() without bind() from <paramref name="source"/> to
    /// <paramref name="destination"/>:<paramref name="destinationPort"/>, as __inet_hash_connect picks it: from the
    /// host's hashed offset for the three (<see cref="ConnectPorts"/>, walking on as <see cref="Host.ConnectPortSearch"/>), the range's even ports first in steps of 2,
    /// then the odd ones (<c>offset++; if ((offset &amp; 1) &amp;&amp; remaining &gt; 1) goto other_parity_scan</c>), the first
    /// free one taken. A port held by an endpoint that allows it (TIME-WAIT under tcp_tw_reuse) is taken over, as
    /// check_established does. Unlike the kernel, a port held by a connection to another destination counts as
    /// taken (its check_established would share it): the model binds one endpoint a port.
    /// </summary>
    public ushort AllocateConnectPort(Ipv4Address source, Ipv4Address destination, ushort destinationPort)
    {
        const uint remaining = EphemeralLast + 1 - EphemeralFirst; // high++: [32768, 60999] -> [32768, 61000[, 28,232, even
        var (index, offset) = Host.ConnectPorts.Start(Host.ConnectPortSearch, source, destination, destinationPort, remaining, Host.Sim.Now);
        for (int parity = 0; parity < 2; parity++, offset++)
        {
            uint port = EphemeralFirst + offset;
            for (int i = 0; i < remaining; i += 2, port += 2)
            {
                if (port > EphemeralLast)
                {
                    port -= remaining;
                }

                if (!_endpoints.TryGetValue((IpProtocol.Tcp, (ushort)port), out var holder) || (holder is IReusableEndpoint r && r.TryRelease()))
                {
                    Host.ConnectPorts.Found(index, i);
                    return (ushort)port;
                }
            }
        }

        throw new PortsExhaustedException($"no free TCP port in {EphemeralFirst}-{EphemeralLast} in namespace {Name} on {Host.Name} for {destination}:{destinationPort} (EADDRNOTAVAIL).");
    }

    /// <summary>
    /// The device a packet to <paramref name="destination"/> would leave by (lo for a local address), and the
    /// MTU that applies to it (a learned path MTU if smaller): what a TCP socket sizes its segments by. Null
    /// without a route.
    /// </summary>
    public (NetDevice Device, int Mtu)? RouteTo(Ipv4Address destination)
    {
        var route = Fib.Lookup(destination);
        if (route is null || route.Type is RouteType.Blackhole or RouteType.Unreachable)
        {
            return null;
        }

        NetDevice device = route.Type == RouteType.Local ? Loopback : Device(route.NextHops[0].Interface);
        return (device, Math.Min(device.Mtu, PathMtu(destination) ?? int.MaxValue));
    }

    /// <summary>What is bound to <paramref name="port"/> of <paramref name="protocol"/> here (a listener, a socket), or null.</summary>
    public ILocalEndpoint? BoundEndpoint(IpProtocol protocol, ushort port) => Endpoint(protocol, port);

    internal ILocalEndpoint? Endpoint(IpProtocol protocol, ushort port) =>
        _endpoints.GetValueOrDefault((protocol, protocol is IpProtocol.Udp or IpProtocol.Tcp ? port : (ushort)0));

    public override string ToString() => $"{Host.Name}/{Name}";
}
