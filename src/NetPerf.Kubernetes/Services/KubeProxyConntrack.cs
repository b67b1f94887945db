using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// What kube-proxy writes to a node's conntrack sysctls when it starts (pkg/proxy/conntrack): nf_conntrack_max =
/// max(--conntrack-max-per-core x cores, --conntrack-min), defaults 32768 and 131072, and the TCP established and
/// close-wait timeouts, defaults 24h and 1h (kube-proxy's flag reference).
/// </summary>
public static class KubeProxyConntrack
{
    /// <summary>--conntrack-max-per-core's default.</summary>
    public const int MaxPerCore = 32_768;

    /// <summary>--conntrack-min's default.</summary>
    public const int Min = 131_072;

    /// <summary>nf_conntrack_max as kube-proxy sets it on a node with <paramref name="cores"/> cores.</summary>
    public static int MaxFor(int cores) => Math.Max(MaxPerCore * cores, Min);

    /// <summary>Sets every node's sysctls as kube-proxy does.</summary>
    public static void Apply(KubernetesCluster cluster)
    {
        foreach (var node in cluster.Nodes)
        {
            var sysctls = node.Host.Conntrack;
            sysctls.Max = MaxFor(node.Host.Cores.Count);
            sysctls.Timeouts = ConntrackTimeouts.KubeProxy;
        }
    }
}
