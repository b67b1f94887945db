namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// How a node hands pod traffic between its pods' devices and its own (Cilium's "Host Routing" in cilium status;
/// Documentation/operations/performance/tuning.rst, "eBPF Host-Routing").
/// </summary>
public enum CiliumHostRouting
{
    /// <summary>
    /// bpf.hostLegacyRouting: packets to and from pods on other nodes go up the host stack: ip_rcv, the netfilter
    /// hooks and netfilter's conntrack, ip_forward, and to local pods out of cilium_host (whose egress program
    /// delivers them to the pod's lxc, through its backlog). They pay Cilium's BPF programs as well.
    /// </summary>
    Legacy,

    /// <summary>
    /// eBPF host routing (Cilium 1.9+, kernel 5.10+): the programs redirect: bpf_redirect_neigh out of eth0 for a
    /// pod's packet leaving the node, bpf_redirect_peer into the pod's namespace for one arriving, skipping netfilter,
    /// the upper host stack and the backlog queue. Needs kube-proxy replacement and BPF masquerade; without them
    /// the agent falls back to <see cref="Legacy"/>.
    /// </summary>
    Ebpf,
}
