using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;

namespace NetPerf.Scenarios.Running;

/// <summary>kube-proxy in the mode a variant names, behind one call.</summary>
internal sealed class ServiceProxy
{
    private readonly Action<Service> _add;

    public ServiceProxy(string mode, KubernetesCluster cluster)
    {
        _add = mode switch
        {
            "iptables" => new KubeProxyIptables(cluster).Add,
            "ipvs" => new KubeProxyIpvs(cluster).Add,
            "nftables" => new KubeProxyNftables(cluster).Add,
            _ => throw new ArgumentException($"unknown kube-proxy mode '{mode}'; modes are: iptables, ipvs, nftables.", nameof(mode)),
        };
    }


    public void Add(Service service) => _add(service);
}
