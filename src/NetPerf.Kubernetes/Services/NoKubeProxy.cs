using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// No kube-proxy: the CNI plugin's agent replaces it (<see cref="Cni.CniPlugin.ReplacesKubeProxy"/>), so no node
/// gets a rule, a chain, an IPVS service or a conntrack sysctl from it; the Services reach the agent through
/// <see cref="CniServiceWatch"/>. A sync writes the agent's BPF map elements instead: the Service's frontend
/// and one backend entry per endpoint (cilium_lb4_services_v2, cilium_lb4_backends_v3).
/// </summary>
internal sealed class NoKubeProxy : IKubeProxyRuleWriter
{
    private readonly List<Service> _services = [];

    public IReadOnlyList<Service> Services => _services;

    public void Add(Service service) => _services.Add(service);

    public int SyncLines(IReadOnlyDictionary<Service, IReadOnlyList<Pod>> changed) => changed.Values.Sum(endpoints => 1 + endpoints.Count);

    public void ReplaceEndpoints(Service service, IReadOnlyList<Pod> endpoints)
    {
    }
}
