using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;

namespace NetPerf.Scenarios.Running;

/// <summary>kube-proxy in the mode a variant names, behind one call.</summary>
internal sealed class ServiceProxy
{
    private readonly Action<Service> _add;

    public ServiceProxy(KubeProxyMode mode, KubernetesCluster cluster)
    {
        _add = mode.Install(cluster);
    }

    public void Add(Service service) => _add(service);
}
