using NetPerf.Engine.Scheduling;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Devices;

/// <summary>
/// A network interface in a namespace (struct net_device). <see cref="Transmit"/> is its ndo_start_xmit;
/// frames it receives go to its bridge if it is enslaved to one, otherwise up to IP in its namespace.
/// </summary>
public abstract class NetDevice : IEventHandler
{
    /// <summary>Continuation kind: a frame queued to this device's per-core backlog is now processed.</summary>
    protected const int BacklogKind = 1;

    protected NetDevice(NetworkNamespace ns, string name, int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68);
        Namespace = ns;
        Name = name;
        Mtu = mtu;
        uint number = ns.Host.Testbed.NextDeviceNumber();
        Index = (int)number;
        Mac = MacAddress.Local(number);
        ns.Attach(this);
    }

    public NetworkNamespace Namespace { get; }
    public Host Host => Namespace.Host;
    public string Name { get; }

    /// <summary>ifindex, unique across the testbed.</summary>
    public int Index { get; }

    public MacAddress Mac { get; }
    public int Mtu { get; }

    private Ipv4Address? _primaryAddress;

    /// <summary>The first address assigned to the device: what MASQUERADE rewrites sources to.</summary>
    public Ipv4Address? PrimaryAddress
    {
        get => _primaryAddress ?? SharedAddresses?.First; // a shared set's first address was the first given to the device, unless one of its own came before
        internal set => _primaryAddress = value;
    }

    /// <summary>A set of addresses the device holds with the same device of other namespaces (<see cref="NetworkNamespace.AttachSharedAddresses"/>).</summary>
    public SharedAddresses? SharedAddresses { get; internal set; }

    /// <summary>The bridge this device is a port of, if any.</summary>
    public BridgeDevice? Master { get; internal set; }

    /// <summary>What takes the frames this device receives instead of IP: its bridge, or the Open vSwitch datapath it is a vport of.</summary>
    public IRxHandler? RxHandler { get; internal set; }

    /// <summary>The BPF program on the device's tc ingress hook (<c>tc filter add dev DEV ingress bpf da</c>), if any.</summary>
    public TcProgram? TcIngress { get; set; }

    /// <summary>The BPF program on the device's tc egress hook, if any: device types that run it call <see cref="RunTcEgress"/> first in their transmit.</summary>
    public TcProgram? TcEgress { get; set; }

    /// <summary>net.ipv4.conf.DEV.proxy_arp: answer ARP for addresses this host routes elsewhere (Calico's cali* veths).</summary>
    public bool ProxyArp { get; set; }

    private HashSet<uint>? _proxyNeighbours;

    /// <summary>
    /// <c>ip neigh add proxy ADDRESS dev DEV</c>: answer ARP for one address on this device's link though no
    /// interface holds it (what a MetalLB speaker does from user space for a LoadBalancer IP).
    /// </summary>
    public void AddProxyNeighbour(Ipv4Address address) => (_proxyNeighbours ??= []).Add(address.Value);

    /// <summary><c>ip neigh del proxy ADDRESS dev DEV</c>.</summary>
    public void RemoveProxyNeighbour(Ipv4Address address) => _proxyNeighbours?.Remove(address.Value);

    /// <summary>
    /// generic-segmentation-offload (<c>ethtool -K DEV gso</c>): whether TCP may build super-packets for routes
    /// out of this device (sk_setup_caps looks at the route's first device). On by default on every device.
    /// </summary>
    public bool GenericSegmentation { get; set; } = true;

    /// <summary>GSO_LEGACY_MAX_SIZE: a device's gso_ipv4_max_size and gro_ipv4_max_size unless raised (include/linux/netdevice.h).</summary>
    public const int LegacyGsoMaxSize = 65536;

    /// <summary>
    /// gso_ipv4_max_size (<c>ip link set DEV gso_ipv4_max_size N</c>, Linux 6.3): the largest IPv4 super-packet TCP
    /// may build for routes out of this device (sk_setup_caps: sk_gso_max_size from the route's device, less
    /// MAX_TCP_HEADER + 1). 64 KiB unless BIG TCP raises it (Cilium's enable-ipv4-big-tcp: 196608).
    /// </summary>
    public int GsoIpv4MaxSize { get; set; } = LegacyGsoMaxSize;

    /// <summary>
    /// gro_ipv4_max_size: the largest IPv4 aggregate GRO builds on this device. BIG TCP raises it with the GSO size;
    /// here GRO merges a super-packet's frames back as the sender built them, so this is shown, not enforced.
    /// </summary>
    public int GroIpv4MaxSize { get; set; } = LegacyGsoMaxSize;

    /// <summary>False for devices without a link layer (tunl0, lo): routing hands them the packet with no neighbour lookup.</summary>
    public virtual bool HasLinkLayer => true;

    /// <summary>Sends the walk's packet out of this device (its frame addresses are set).</summary>
    public abstract void Transmit(ref PacketWalk walk);

    /// <summary>What ARP would learn for <paramref name="address"/> on this device's link, if anything answers.</summary>
    public virtual MacAddress? ResolveOnLink(Ipv4Address address) => null;

    /// <summary>
    /// Whether this device would answer ARP for <paramref name="address"/>: it owns it, or it does proxy ARP for
    /// an address its namespace routes out of another device.
    /// </summary>
    public bool AnswersArpFor(Ipv4Address address)
    {
        // A responder of its own (MetalLB's speaker) answers whatever arp_ignore says.
        if (_proxyNeighbours?.Contains(address.Value) == true)
        {
            return true;
        }

        if (Namespace.OwnerOf(address) is { } owner)
        {
            // arp_ignore 1: only for addresses configured on the interface the request came in on.
            return Namespace.ArpIgnore == 0 || owner == this;
        }

        if (!ProxyArp)
        {
            return false;
        }

        var route = Namespace.Fib.Lookup(address);
        if (route is null)
        {
            return false;
        }

        for (int i = 0; i < route.NextHops.Count; i++)
        {
            if (route.NextHops[i].Interface == Index)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// __netif_receive_skb_core on the current core: the tc ingress program first, then the rx_handler (a
    /// bridge, a datapath), or up to IP.
    /// </summary>
    public void Receive(ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        p.Hops++;
        if (TcIngress is { } program)
        {
            var verdict = program.Run(this, ref walk);
            if (verdict == TcVerdict.Redirected)
            {
                return;
            }

            if (verdict == TcVerdict.Shot)
            {
                walk.Drop(DropReason.TcShot, this);
                return;
            }
        }

        if (RxHandler is { } handler)
        {
            handler.HandleFrame(this, ref walk);
            return;
        }

        if (HasLinkLayer && walk.P.DestinationMac != Mac && walk.P.DestinationMac != MacAddress.Broadcast)
        {
            // A frame for another station (a flooded copy): not for this host's IP (PACKET_OTHERHOST).
            walk.Drop(DropReason.OtherHost, this);
            return;
        }

        Ipv4.Receive(this, ref walk);
    }

    /// <summary>
    /// The tc egress program, at the start of a transmit: true if the packet goes on to the driver; false if
    /// the program dropped it (counted) or redirected it (the walk is then the redirect's).
    /// </summary>
    protected bool RunTcEgress(ref PacketWalk walk)
    {
        if (TcEgress is not { } program)
        {
            return true;
        }

        var verdict = program.Run(this, ref walk);
        if (verdict == TcVerdict.Shot)
        {
            walk.Drop(DropReason.TcShot, this);
        }

        return verdict == TcVerdict.Ok;
    }

    /// <summary>Hands the packet to this device's receive path through the backlog of the core that runs it.</summary>
    protected void QueueToBacklog(ref PacketWalk walk, NetDevice receiver) => walk.Defer(receiver, BacklogKind);

    void IEventHandler.OnEvent(int kind, long arg) => OnContinuation(kind, (int)arg);

    /// <summary>A job this device deferred has completed; <paramref name="packet"/> continues.</summary>
    protected virtual void OnContinuation(int kind, int packet)
    {
        if (kind != BacklogKind)
        {
            throw new InvalidOperationException($"{Name}: unexpected continuation {kind}.");
        }

        var walk = new PacketWalk(Host, packet);
        walk.Charge(KernelStage.BacklogReceive, this);
        Receive(ref walk);
    }

    public override string ToString() => $"{Namespace}/{Name}";
}
