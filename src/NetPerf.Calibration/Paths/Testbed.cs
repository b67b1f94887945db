namespace NetPerf.Calibration.Paths;

/// <summary>
/// The single-hop paths the fit sees (each differs from a simpler one by exactly one piece of kernel work), as
/// tools/kernel-costs/measure.sh builds them: a sender namespace a, a receiver b, and between them nothing, a
/// router r (and r2), or a bridge.
/// </summary>
public enum Testbed
{
    /// <summary>Sender and receiver in one namespace, over lo: the socket and IP stack alone.</summary>
    Loopback,

    /// <summary>a and b joined by one veth pair: + the namespace crossing.</summary>
    Veth,

    /// <summary>a and b on a bridge in r (bridge-nf-call-iptables=0): + a bridge forward.</summary>
    Bridge,

    /// <summary>The bridge with br_netfilter and conntrack (one FORWARD rule that never matches): + three hooks and an established lookup.</summary>
    BridgeConntrack,

    /// <summary>r routes between a and b: + a forwarding hop.</summary>
    Routed,

    /// <summary>Routed with conntrack loaded in r (one FORWARD rule that never matches): + three hooks and an established lookup on a routed packet.</summary>
    RoutedConntrack,

    /// <summary>Routed, r DNATs a virtual address to b at PREROUTING (conntrack loaded by the DNAT): + the hooks, an established lookup and the rewrite of every packet.</summary>
    RoutedDnat,

    /// <summary>Two routers r and r2 joined by VXLAN (VNI 1, UDP 8472) over a veth underlay: + an encapsulation and a decapsulation.</summary>
    Vxlan,

    /// <summary>The VXLAN routers with conntrack loaded in both (one FORWARD rule that never matches): + the outer packets' hooks and lookups, and the inner packets' forwarded lookups.</summary>
    VxlanConntrack,
}
