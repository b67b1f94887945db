namespace NetPerf.Network.Stack;

/// <summary>Why the kernel model discarded a packet; counted per host.</summary>
public enum DropReason
{
    /// <summary>No route matched (ENETUNREACH).</summary>
    NoRoute,

    /// <summary>The packet was not for this namespace and ip_forward is off.</summary>
    ForwardingDisabled,

    /// <summary>TTL reached zero while forwarding (ICMP time exceeded).</summary>
    TtlExpired,

    /// <summary>The next hop's link-layer address could not be resolved.</summary>
    NeighbourUnresolved,

    /// <summary>
    /// Larger than the egress (or path) MTU with DF set, so it may not be fragmented: SKB_DROP_REASON_PKT_TOO_BIG
    /// (ip_forward; a tunnel that cannot carry it). An ICMP "fragmentation needed" goes back to the sender where
    /// the kernel sends one.
    /// </summary>
    PktTooBig,

    /// <summary>No socket bound to the destination port (ICMP port unreachable).</summary>
    NoSocket,

    /// <summary>A tunnel device had nowhere to send the packet: a VXLAN device no FDB entry for the inner destination MAC, a metadata (external) device no tunnel key.</summary>
    NoTunnelEndpoint,

    /// <summary>A frame came back to the bridge port it arrived on, and hairpin mode is off.</summary>
    BridgeHairpin,

    /// <summary>An iptables rule or chain policy said DROP (SKB_DROP_REASON_NETFILTER_DROP).</summary>
    Netfilter,

    /// <summary>
    /// A new connection found the conntrack table at nf_conntrack_max with nothing early_drop could evict
    /// ("nf_conntrack: table full, dropping packet"; <c>conntrack -S</c> drop). The kernel frees the packet as
    /// SKB_DROP_REASON_NETFILTER_DROP; it is named apart here because its fix is a sysctl, not a rule.
    /// </summary>
    ConntrackTableFull,

    /// <summary>An incomplete datagram's fragments, dropped 30 s after the first arrived (SKB_DROP_REASON_FRAG_REASM_TIMEOUT).</summary>
    FragReasmTimeout,

    /// <summary>An unknown destination, and no port to flood it to but the one it came from.</summary>
    NoBridgePort,

    /// <summary>A frame addressed to another station's MAC (a flooded copy) reached a device that is not a bridge port.</summary>
    OtherHost,

    /// <summary>The device's carrier is down (a cable pulled, a node powered off): nothing is sent or received.</summary>
    CarrierDown,

    /// <summary>A tc BPF program returned TC_ACT_SHOT (a policy denial in Cilium's datapath).</summary>
    TcShot,

    /// <summary>
    /// A new connection lost an insertion race at conntrack confirmation that its kernel could not settle
    /// (<c>conntrack -S</c> insert_failed and drop; <see cref="Netfilter.ConntrackClashResolution"/>): the A or
    /// AAAA query of the DNS 5 s delay. Freed as SKB_DROP_REASON_NETFILTER_DROP; named apart by its counter.
    /// </summary>
    ConntrackInsertFailed,

    /// <summary>
    /// A packet for an IPVS virtual service that has no usable real server (none, or all of weight 0): ip_vs_schedule
    /// finds no destination and ip_vs_leave (net/netfilter/ipvs/ip_vs_core.c) sends the client an ICMP port
    /// unreachable, rate-limited, and returns NF_DROP, so the packet never reaches the node's TCP or UDP. Freed as
    /// SKB_DROP_REASON_NETFILTER_DROP; named apart because its cause is a Service without endpoints for the node.
    /// </summary>
    IpvsNoDestination,
}
