using NetPerf.Kubernetes.Cni.Cilium;

namespace NetPerf.Scenarios.Model;

/// <summary>
/// cluster.cilium: the Cilium agent's options for every Cilium variant (Helm's kubeProxyReplacement,
/// bpf.masquerade, bpf.hostLegacyRouting, loadBalancer.mode, loadBalancer.algorithm, maglev.tableSize, bpf.ctTcpMax,
/// bpf.ctAnyMax, bpf.natMax, bpf.mapDynamicSizeRatio, enableIPv4BIGTCP), after the agent's own fallback: eBPF host routing asked for without
/// kube-proxy replacement and BPF masquerade runs as legacy (the reader warns at the line).
/// </summary>
public sealed record CiliumSpec
{
    /// <summary>kubeProxyReplacement: socket LB at connect() and no kube-proxy on the nodes (Helm default: false).</summary>
    public bool KubeProxyReplacement { get; init; }

    /// <summary>bpf.masquerade: masquerading in BPF rather than iptables (Helm default: false). Only its part in the host-routing fallback is modelled.</summary>
    public bool BpfMasquerade { get; init; }

    /// <summary>The host routing the agent runs with (after the fallback).</summary>
    public CiliumHostRouting HostRouting { get; init; } = CiliumHostRouting.Legacy;

    /// <summary>loadBalancer.mode: how kube-proxy replacement's NodePort reaches a backend on another node (Helm default: snat).</summary>
    public CiliumLoadBalancerMode LoadBalancerMode { get; init; } = CiliumLoadBalancerMode.Snat;

    /// <summary>loadBalancer.algorithm: a new NodePort flow's backend selection (Helm default: random).</summary>
    public CiliumBackendSelection BackendSelection { get; init; } = CiliumBackendSelection.Random;

    /// <summary>maglev.tableSize (Helm default: 16381).</summary>
    public int MaglevTableSize { get; init; } = CiliumMaglev.DefaultTableSize;

    /// <summary>
    /// The sizes of every node's conntrack and NAT maps (Helm's bpf.ctTcpMax, bpf.ctAnyMax, bpf.natMax, or
    /// bpf.mapDynamicSizeRatio of the nodes' memory). The reader sets it with <see cref="MapDynamicSizeRatio"/> and
    /// <see cref="MapSizesFromMemoryGiB"/> from the cluster's memory; a spec built in code keeps the fixed defaults.
    /// </summary>
    public CiliumMapSizes MapSizes { get; init; } = CiliumMapSizes.Default;

    /// <summary>bpf.mapDynamicSizeRatio (Helm default 0.0025): the share of the node's memory the maps not given are sized by; 0: the fixed defaults.</summary>
    public double MapDynamicSizeRatio { get; init; } = CiliumMapSizes.DefaultDynamicSizeRatio;

    /// <summary>The node memory (GiB) the sizes not given were derived from by <see cref="MapDynamicSizeRatio"/>; null when none was (ratio 0, or all three given).</summary>
    public double? MapSizesFromMemoryGiB { get; init; }

    /// <summary>The map sizes in use and where they come from, in words (describe prints it).</summary>
    public string MapSizesInWords()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string source = MapSizesFromMemoryGiB is { } gib
            ? string.Format(inv, "those not given derived from {0} GiB of node memory by bpf-map-dynamic-size-ratio {1}", gib, MapDynamicSizeRatio)
            : MapDynamicSizeRatio > 0 ? "all given" : "bpf-map-dynamic-size-ratio 0: the fixed defaults where not given";
        return string.Format(inv, "cilium_ct4_global (TCP) {0} entries, cilium_ct_any4_global {1}, cilium_snat_v4_external (NAT) {2}; {3}", MapSizes.CtTcp, MapSizes.CtAny, MapSizes.Nat, source);
    }

    /// <summary>The conntrack entries' lifetimes and the garbage collector's schedule (bpf-ct-timeout-*, conntrackGCInterval).</summary>
    public CiliumConntrackTimeouts ConntrackTimeouts { get; init; } = CiliumConntrackTimeouts.Default;

    /// <summary>enableIPv4BIGTCP (enable-ipv4-big-tcp; Helm default: false): gso_ipv4_max_size and gro_ipv4_max_size 196608 on the nodes' and pods' devices.</summary>
    public bool BigTcp { get; init; }

    /// <summary>
    /// Sets a freshly created plugin's options before its cluster is built; other plugins are left alone. BIG TCP
    /// only where <paramref name="kernel"/> has IPv4 BIG TCP (Linux 6.3): the agent warns and runs without it before.
    /// </summary>
    public void Apply(Kubernetes.Cni.CniPlugin plugin, KernelLine kernel)
    {
        if (plugin is CiliumDatapath cilium)
        {
            cilium.MapSizes = MapSizes;
            cilium.ConntrackTimeouts = ConntrackTimeouts;
            cilium.BigTcp = BigTcp && kernel.HasIpv4BigTcp;
            cilium.KubeProxyReplacement = KubeProxyReplacement;
            cilium.HostRouting = HostRouting;
            cilium.LoadBalancerMode = LoadBalancerMode;
            cilium.BackendSelection = BackendSelection;
            cilium.MaglevTableSize = MaglevTableSize;
        }
    }

    /// <summary>What runs in kube-proxy's place for <paramref name="variant"/>, in words: its mode, or Cilium's socket LB when it is replaced.</summary>
    public string KubeProxyOf(Variant variant) =>
        KubeProxyReplacement && variant.Cni.Family == "cilium" ? "kube-proxy replaced by Cilium's socket LB" : $"kube-proxy {variant.KubeProxy}";
}
