using NetPerf.Kubernetes.Services;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Estimation;

/// <summary>
/// What one simulation's cluster and traffic cost in memory and time, per unit, as measured by
/// <c>benchmarks/NetPerf.Benchmarks/Estimation/ScaleCoefficients.cs</c>
/// (<c>dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- coefficients</c>): clusters built at
/// several sizes from scenario text, the live heap after two full compacting collections, differences between
/// sizes. Measured 2026-12-02 on the 2-vCPU development machine, .NET 10, Release. Bytes are stable to a few
/// percent between runs; build times on a shared 2-vCPU machine are not (they vary 2-3x between runs), so time
/// comes from bytes built and one derived rate. Re-measure when the build's data structures change.
/// </summary>
internal static class ScaleModel
{
    /// <summary>A 2-node cluster with its measured pods, DNS and Services: the intercept of the node fit (derived: 1.52 MB at 32 nodes minus 32 nodes and 992 routes).</summary>
    public const double BaseBytes = 500_000;

    /// <summary>A node (its host, cores, root namespace, NIC, the CNI's devices, kube-proxy's chains): 23.8-26.7 KB by plugin.</summary>
    public const double BytesPerNode = 26_700;

    /// <summary>
    /// What a node holds towards one other node's pods. Built eagerly (Weave, Cilium): a route, and an overlay's
    /// neighbour and FDB entries, 133 B routed, 238 B with VXLAN. Shared (flannel, Calico: the ranges held once for
    /// the cluster, a node's route to another built when first looked up, <c>PeerRanges</c>): one bit, that node's
    /// "built" flag; the routes a measured path builds are too few to count. Measured 2026-12-04 with
    /// <c>rack-build</c> (benchmarks/NetPerf.Benchmarks, RackClusterBuildBenchmarks): flannel-vxlan 5,000 nodes
    /// 4,610 MB live before, 128 MB after; calico-bgp 3,316 MB before, 141 MB after; 25.6-28.2 KB a node either way.
    /// </summary>
    public static double BytesPerNodePair(bool overlay, bool shared) => shared ? 0.125 : overlay ? 238 : 133;

    /// <summary>A pod: its namespace, veth pair, address, routes on both sides (3,021 B with Calico, 3,148 B with flannel's bridge).</summary>
    public const double BytesPerPod = 3_150;

    /// <summary>
    /// A Service's rules and a node's share of them, by kube-proxy mode: (shared, per node). iptables: KUBE-SVC and its
    /// portal rule built once; every node's KUBE-SERVICES is made over one list of the portals while the nodes'
    /// chains agree (0 B per node; 8.2 B per node once an externalTrafficPolicy Local LoadBalancer IP's or a topology
    /// portal gives each node its own, <see cref="PortalBytesPerNodeOnceOwn"/>); IPVS: the virtual service, its real servers' list and its
    /// address on kube-ipvs0, held once for every node (645 B; a node's own scheduler state and local route are made
    /// when a connection first reaches it there: 0 B per node at build); nftables: one verdict-map element and chain,
    /// shared. Measured with <c>coefficients MODE</c>: IPVS 2026-12-04 (before, each node held its own virtual
    /// service and address, 420 B + 363.4 B per node); iptables 1,385 B and nftables 1,271 B 2026-12-04 after a
    /// rule's rarely set matches moved to an object of their own (1,651 B + 8.2 B per node and 1,417 B before).
    /// </summary>
    public static (double Shared, double PerNode) ServiceBytes(KubeProxyMode mode) =>
        mode == KubeProxyMode.Ipvs ? (645, 0)
        : mode == KubeProxyMode.Nftables ? (1_271, 0)
        : (1_385, 0);

    /// <summary>A Service's portal in each node's own KUBE-SERVICES (a list slot), once the nodes' chains no longer share them (2026-12-02, <c>coefficients iptables</c>).</summary>
    public const double PortalBytesPerNodeOnceOwn = 8.2;

    /// <summary>
    /// A NodePort (type NodePort or LoadBalancer) beyond its ClusterIP, per node, by mode, measured with
    /// <c>coefficients MODE</c> (200 NodePort Services against 200 ClusterIP ones, 8 and 32 nodes, flannel-vxlan),
    /// 2026-12-04. IPVS: a virtual service on each of the node's addresses (eth0's and the plugin's devices':
    /// kube-proxy's nodePortAddresses default), each node's own since the addresses are (368.2 B). iptables: the
    /// rule's place in each node's KUBE-NODEPORTS (10.1 B; 258.1 B when each node had its own rule object).
    /// nftables: 0 (the element is in the one map every node's falls through to; 59.9 B per node before).
    /// </summary>
    public static double NodePortBytesPerNode(KubeProxyMode mode) =>
        mode == KubeProxyMode.Ipvs ? 368.2 : mode == KubeProxyMode.Iptables ? 10.1 : 0;

    /// <summary>
    /// An endpoint of a Service: iptables and nftables its KUBE-SEP-style chain and its pick rule (217 B, 2026-12-04,
    /// <c>coefficients MODE</c>: 50 Services of one 200-pod Deployment, so the chains' two rules are the pods' and
    /// shared, the chain's name written and its rule list made only when first read; 265 B with a list each, 329 B
    /// with every name a string, 754 B before the rules were shared and a rule's rare matches moved out), IPVS a real server in the one
    /// list every node's virtual service shares (10 B; each node's weights and connection counts only for servers
    /// it has scheduled: 0 B at build; 20.4 B per node when each node kept its own).
    /// </summary>
    public static (double Shared, double PerNode) EndpointBytes(KubeProxyMode mode) =>
        mode == KubeProxyMode.Ipvs ? (10, 0) : (217, 0);

    /// <summary>
    /// iptables and nftables: the rules every endpoint chain of one pod holds alike, once per pod that is an
    /// endpoint (EndpointRuleCache): <c>-s POD/32 -j KUBE-MARK-MASQ</c> and the DNAT, 104 B each (the heap's object
    /// size, dotnet-gcdump of the threshold build), and their two dictionary entries, about 40 B each with the
    /// tables' spare room: derived, 290 B.
    /// </summary>
    public const double EndpointRuleBytesPerPod = 290;

    /// <summary>
    /// Building costs about 10 ns per byte the estimate counts. It was 2 ns (derived from the same runs: a pod,
    /// 3.1 KB, in 2.3-6.6 us; an IPVS virtual service on a node, 578 B, in 1.6-2.6 us; a route, 133-238 B, in
    /// 0.2-1.9 us), which the routes' bytes hid: since they are shared, whole builds show what the rest costs
    /// (2026-12-04, Release, the shared 2-vCPU machine: 5,000 nodes on racks, 137 MB by the estimate, in a median
    /// 1.25-1.33 s of BenchmarkDotNet's cold runs (RackClusterBuildBenchmarks), 9-10 ns a byte; the 500-node threshold cluster of ThresholdClusterBuildBenchmarks, 2.3-3.5 s, 5-8 ns a byte
    /// allocated). 10 keeps validate's workload probe from building Kubernetes' threshold cluster in iptables mode
    /// (about 2.8 GiB by the estimate then, 30 s; 1.1 GiB since its portals and endpoint rules are shared, 12 s by the estimate, still
    /// past the 10 s budget; minutes in a Debug test), as it did at 2 ns when the routes' 5.5 GiB counted.
    /// </summary>
    public const double BuildNsPerByte = 10;

    /// <summary>
    /// Events per simulated second of one flow on pod-cross-node (calico-bgp, 2 nodes, one client, 64 B
    /// messages; between 5 ms and 15 ms of simulated time), and the heap it grows by per simulated second
    /// (TCP_CRR: a conntrack entry and TIME_WAIT socket per connection; streams: queued segments).
    /// </summary>
    public static (double Events, double Bytes) PerSimulatedSecond(NetperfTestKind test) =>
        test == NetperfTestKind.TcpCrr ? (881_100, 16_794_400)
        : test == NetperfTestKind.TcpStream ? (437_400, 19_763_200)
        : test == NetperfTestKind.UdpRr ? (701_000, 0)
        : test == NetperfTestKind.UdpStream ? (1_976_400, 0)
        : (692_300, 0);

    /// <summary>The engine's rate on those runs: 343,000 to 883,000 events per wall second by test; the lower end is used.</summary>
    public const double EventsPerWallSecond = 343_000;
}
