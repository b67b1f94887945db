using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// kube-proxy's rule writer with the CNI plugin's agent beside it: each Service added and each endpoint change
/// committed reaches the plugin too (<see cref="Cni.CniPlugin.ServiceAdded"/>, <see cref="Cni.CniPlugin.ServiceEndpointsChanged"/>),
/// as Cilium's agent follows the same Service and EndpointSlice objects kube-proxy does.
/// </summary>
internal sealed class CniServiceWatch(KubernetesCluster cluster, IKubeProxyRuleWriter proxy) : IKubeProxyRuleWriter
{
    public IReadOnlyList<Service> Services => proxy.Services;

    public void Add(Service service)
    {
        proxy.Add(service);
        cluster.Cni.ServiceAdded(cluster, service);
    }

    public int SyncLines(IReadOnlyDictionary<Service, IReadOnlyList<Pod>> changed) => proxy.SyncLines(changed);

    public int AddLines(Service service, IReadOnlyList<Pod> endpoints) => proxy.AddLines(service, endpoints);

    public int RemoveLines(Service service) => proxy.RemoveLines(service);

    public int UpdateLines(Service old, Service updated, IReadOnlyList<Pod> endpoints) => proxy.UpdateLines(old, updated, endpoints);

    /// <summary>The new version replaces the old in kube-proxy's rules; a plugin that load-balances Services itself (Cilium) is not told: refused before a run gets here.</summary>
    public void Update(Service old, Service updated) => proxy.Update(old, updated);

    /// <summary>The rules go; a plugin that load-balances Services itself (Cilium) is not told: refused before a run gets here.</summary>
    public void Remove(Service service) => proxy.Remove(service);

    public void ReplaceEndpoints(Service service, IReadOnlyList<Pod> endpoints)
    {
        proxy.ReplaceEndpoints(service, endpoints);
        cluster.Cni.ServiceEndpointsChanged(cluster, service, endpoints);
    }
}
