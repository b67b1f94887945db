namespace NetPerf.Scenarios.Model;

/// <summary>One combination of the compare block's values; its name joins the values that vary.</summary>
public sealed record Variant(string Name, Kubernetes.Cni.CniPluginKind Cni, Kubernetes.Services.KubeProxyMode KubeProxy, int ExtraServices, int? MessageBytes)
{
    /// <summary>nf_conntrack_max on every node, when the compare block sweeps it; null: the cluster's.</summary>
    public int? ConntrackMax { get; init; }

    /// <summary>Every deployment's preStop sleep, when the compare block sweeps it; null: each deployment's own.</summary>
    public Engine.Time.SimTime? PreStopSleep { get; init; }

    /// <summary>The nodes' kernel line, when the compare block sweeps it; null: the cluster's.</summary>
    public KernelLine? Kernel { get; init; }

    /// <summary>The CNI plugin's MTU setting, when the compare block sweeps it; null: the cluster's.</summary>
    public PodMtuSetting? PodMtu { get; init; }

    /// <summary>ICMP fragmentation needed on the nodes, when the compare block sweeps it; null: the cluster's.</summary>
    public IcmpFragmentationNeeded? IcmpFragmentationNeeded { get; init; }

    /// <summary>kube-proxy's clean-up of stale UDP conntrack entries, when the compare block sweeps it; null: the cluster's.</summary>
    public StaleUdpConntrack? StaleUdpConntrack { get; init; }

    /// <summary>The masquerade rules' --random-fully, when the compare block sweeps it; null: the cluster's.</summary>
    public Network.Netfilter.NatPortSelection? MasqueradePorts { get; init; }

    /// <summary>The pods' resolver mode, when the compare block sweeps it; null: the cluster's.</summary>
    public Kubernetes.Dns.ResolverQueries? Resolver { get; init; }
}
