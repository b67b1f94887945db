namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// How kube-proxy replacement forwards a NodePort or LoadBalancer packet to a backend on another node (Helm's
/// loadBalancer.mode; Documentation/network/kubernetes/kubeproxy-free.rst).
/// </summary>
public enum CiliumLoadBalancerMode
{
    /// <summary>
    /// snat (the default): the entry node rewrites the destination to the backend and the source to its own
    /// address, so the reply comes back to it and is translated back there (rev_nodeport_lb4) before going to
    /// the client: two NAT translations a packet at the entry node, and the reply's extra hop.
    /// </summary>
    Snat,

    /// <summary>
    /// dsr: the entry node keeps the client's address as the source and writes the frontend into an IPv4 option
    /// (dsrDispatch: opt, 8 bytes); the backend's node keeps it with the flow and the backend's reply leaves that
    /// node straight to the client, its source rewritten to the frontend. Needs native routing: the agent refuses
    /// it in tunnel mode.
    /// </summary>
    Dsr,

    /// <summary>hybrid: DSR for TCP, SNAT for UDP (Cilium's answer to the option's MTU cost on datagrams).</summary>
    Hybrid,
}

/// <summary>How kube-proxy replacement picks a new external flow's backend (Helm's loadBalancer.algorithm).</summary>
public enum CiliumBackendSelection
{
    /// <summary>random (the default): bpf_get_prandom_u32 over the backend slots, each node for itself.</summary>
    Random,

    /// <summary>
    /// maglev: a lookup table of maglev.tableSize slots (M, 16381 by default) indexed by the flow's hash, the same
    /// on every node, so a flow gets the same backend whichever node it enters (ECMP, a failover). Cilium applies
    /// it to external (north-south) traffic only: ClusterIP connections keep their own selection.
    /// </summary>
    Maglev,
}
