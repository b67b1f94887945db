namespace NetPerf.Calibration.Paths;

/// <summary>
/// The single-hop paths the fit sees (each differs from a simpler one by exactly one piece of kernel work), as
/// tools/kernel-costs/measure.sh builds them: a sender namespace a, a receiver b, and between them nothing, a
/// router r (and r2), or a bridge; or the same piece repeated <see cref="Testbeds.ChainLength"/> times in series, so
/// that a per-hop difference of a few hundred nanoseconds stands that many times above the round-to-round spread.
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

    /// <summary>
    /// <see cref="Testbeds.ChainLength"/> routers r1..rN in series (a veth between each): the routed hop, N times.
    /// Against <see cref="RoutedChainConntrack"/> it prices conntrack per namespace with N times a single router's
    /// leverage, and TCP against UDP prices conntrack's TCP state tracking (tools/kernel-costs/measure-ct-chain.sh:
    /// 6 ns a segment on 6.18.44-fc-v1252 over four routers, where the single router's difference of differences had
    /// been fitted at 386, the round-to-round spread's size; calibrate's own fits with the chains: 222 and 33 ns).
    /// </summary>
    RoutedChain,

    /// <summary>The routed chain with conntrack loaded in every router (one FORWARD rule that never matches).</summary>
    RoutedChainConntrack,

    /// <summary>
    /// <see cref="Testbeds.ChainLength"/> bridges in series, each in its own namespace (bridge-nf-call-iptables=0), a
    /// veth between each: the bridge forward and the crossing, N times (as a frame crosses the host's kind bridge and
    /// the nodes' cni0 bridges on one round trip).
    /// </summary>
    BridgeChain,

    /// <summary>The bridge chain with br_netfilter and conntrack in every bridge's namespace (one FORWARD rule that never matches), as Docker sets the host's kind bridge.</summary>
    BridgeChainConntrack,
}

/// <summary>Facts of the testbeds.</summary>
public static class Testbeds
{
    /// <summary>How many routers or bridges a chain testbed puts in series.</summary>
    public const int ChainLength = 4;

    /// <summary>
    /// The testbed a fit path is fitted against, as a difference, rather than on its own level: the DNAT router is the
    /// routed+conntrack router with a nat table added (TestbedLab keeps the same FORWARD rule for exactly this), and NAT
    /// is on no other fit path. Fitted on its level, the nat group took whatever the shared stages missed of that router
    /// (the single router's conntrack above the chains' per-router figure: the fit left it 0.80 us a round trip short on
    /// 6.18.44-fc-v1252) and priced each rewrite at 533 ns, where the two paths differ by 0.08-0.76 us a round trip (two
    /// rewrites and four passes through the nat hooks); a NodePort pays four rewrites, so NAT stood for 2.1 us of its
    /// cost over pod-cross-node, where the kernel's whole difference is 0.5-1.8 us.
    /// </summary>
    public static Testbed? FittedAsDifferenceFrom(Testbed bed) => bed == Testbed.RoutedDnat ? Testbed.RoutedConntrack : null;

    /// <summary>The addresses of a routed chain: a on link 0 (10.1.0.1), b on link N (10.1.N.254); router i is 10.1.(i-1).254 on its left link and 10.1.i.1 on its right.</summary>
    public static string ChainLink(int link, bool right) => $"10.1.{link}.{(right ? 254 : 1)}";
}
