using NetPerf.Kubernetes.Cni.Cilium;

namespace NetPerf.Scenarios.Model;

/// <summary>
/// cluster.cilium: the Cilium agent's options for every Cilium variant (Helm's kubeProxyReplacement,
/// bpf.masquerade, bpf.hostLegacyRouting, loadBalancer.mode, loadBalancer.algorithm, maglev.tableSize), after the agent's own fallback: eBPF host routing asked for without
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

    /// <summary>Sets a freshly created plugin's options before its cluster is built; other plugins are left alone.</summary>
    public void Apply(Kubernetes.Cni.CniPlugin plugin)
    {
        if (plugin is CiliumDatapath cilium)
        {
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
