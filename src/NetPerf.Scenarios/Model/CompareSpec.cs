namespace NetPerf.Scenarios.Model;

/// <summary>
/// The axes a scenario sweeps: every combination is a variant, run with the same seed (common random numbers,
/// so differences between variants are the variants', not the dice's). An empty axis keeps the cluster's value.
/// </summary>
public sealed record CompareSpec
{
    public IReadOnlyList<Kubernetes.Cni.CniPluginKind> Cni { get; init; } = [];
    public IReadOnlyList<Kubernetes.Services.KubeProxyMode> KubeProxy { get; init; } = [];

    /// <summary>Extra ClusterIP Services (all selecting the measured server) for kube-proxy to hold.</summary>
    public IReadOnlyList<int> Services { get; init; } = [];

    /// <summary>Request and response bytes, both set to each value in turn.</summary>
    public IReadOnlyList<int> MessageBytes { get; init; } = [];

    /// <summary>nf_conntrack_max on every node, each value in turn (a table that fills, and its fix).</summary>
    public IReadOnlyList<int> ConntrackMax { get; init; } = [];

    /// <summary>Every deployment's preStop sleep, each value in turn (a rolling update's refusals, and their fix).</summary>
    public IReadOnlyList<Engine.Time.SimTime> PreStopSleep { get; init; } = [];

    /// <summary>The nodes' kernel line, each in turn (the DNS race on an older kernel, and none on 6.18).</summary>
    public IReadOnlyList<KernelLine> Kernel { get; init; } = [];

    /// <summary>The pods' resolver mode, each in turn (parallel A/AAAA, and single-request-reopen as the fix).</summary>
    public IReadOnlyList<Kubernetes.Dns.ResolverQueries> Resolver { get; init; } = [];

    /// <summary>The CNI plugin's MTU setting, each in turn (the node's MTU on a tunnel, and auto as the fix).</summary>
    public IReadOnlyList<PodMtuSetting> PodMtu { get; init; } = [];

    /// <summary>ICMP fragmentation needed passed or filtered on the nodes, each in turn.</summary>
    public IReadOnlyList<IcmpFragmentationNeeded> IcmpFragmentationNeeded { get; init; } = [];

    /// <summary>kube-proxy's clean-up of stale UDP conntrack entries, or none, each in turn.</summary>
    public IReadOnlyList<StaleUdpConntrack> StaleUdpConntrack { get; init; } = [];

    /// <summary>The masquerade rules without and with --random-fully, each in turn.</summary>
    public IReadOnlyList<Network.Netfilter.NatPortSelection> MasqueradePorts { get; init; } = [];

    public bool IsEmpty => MasqueradePorts.Count == 0 && StaleUdpConntrack.Count == 0 && PodMtu.Count == 0 && IcmpFragmentationNeeded.Count == 0 && Cni.Count == 0 && KubeProxy.Count == 0 && Services.Count == 0 && MessageBytes.Count == 0 && ConntrackMax.Count == 0 && PreStopSleep.Count == 0
        && Kernel.Count == 0 && Resolver.Count == 0;
}
