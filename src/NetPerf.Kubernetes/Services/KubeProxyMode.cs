using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// One of kube-proxy's modes (its --proxy-mode), as a scenario names it, and how to run it on a cluster:
/// <see cref="Install"/> returns what adds a Service to every node's rules.
/// </summary>
public sealed class KubeProxyMode
{
    private KubeProxyMode(string name, string rules, Func<KubernetesCluster, IKubeProxyRuleWriter> start)
    {
        Name = name;
        Rules = rules;
        // Every mode's kube-proxy sets the node's conntrack sysctls before it writes a rule (server.go's setupConntrack).
        // The CNI plugin's agent watches Services too (Cilium load-balances a pod's ClusterIP traffic in tc BPF
        // before kube-proxy's rules ever see it), so every Service and endpoint change kube-proxy is given, the
        // plugin is told of.
        Start = cluster =>
        {
            if (cluster.Cni.ReplacesKubeProxy)
            {
                return new CniServiceWatch(cluster, new NoKubeProxy());
            }

            KubeProxyConntrack.Apply(cluster);
            return new CniServiceWatch(cluster, start(cluster));
        };
        Install = cluster => Start(cluster).Add;
    }

    /// <summary>Starts kube-proxy on the cluster: its rule writer, to add Services to and to follow EndpointSlices with.</summary>
    public Func<KubernetesCluster, IKubeProxyRuleWriter> Start { get; }

    public string Name { get; }

    /// <summary>How the mode finds a Service, in words (for describe).</summary>
    public string Rules { get; }

    public Func<KubernetesCluster, Action<Service>> Install { get; }

    /// <summary>KUBE-SERVICES chains walked rule by rule for a connection's first packet.</summary>
    public static readonly KubeProxyMode Iptables = new("iptables", "iptables chains, walked rule by rule for new connections", c => new KubeProxyIptables(c));

    /// <summary>IPVS virtual services on kube-ipvs0 (a hash lookup).</summary>
    public static readonly KubeProxyMode Ipvs = new("ipvs", "IPVS virtual services (hash lookup) on kube-ipvs0", c => new KubeProxyIpvs(c));

    /// <summary>nftables verdict maps.</summary>
    public static readonly KubeProxyMode Nftables = new("nftables", "nftables verdict maps", c => new KubeProxyNftables(c));

    /// <summary>Every mode, in the order scenarios and the schema list them.</summary>
    public static IReadOnlyList<KubeProxyMode> All { get; } = [Iptables, Ipvs, Nftables];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(m => m.Name)];

    public static KubeProxyMode? Find(string name) => All.FirstOrDefault(m => m.Name == name);

    /// <summary>The mode named <paramref name="name"/>; for names already validated.</summary>
    public static KubeProxyMode Get(string name) => Find(name)
        ?? throw new ArgumentException($"unknown kube-proxy mode '{name}'; modes are: {string.Join(", ", Names)}.", nameof(name));

    public override string ToString() => Name;
}
