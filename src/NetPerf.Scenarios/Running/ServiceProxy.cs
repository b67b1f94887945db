using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;

namespace NetPerf.Scenarios.Running;

/// <summary>kube-proxy in the mode a variant names, behind one call.</summary>
internal sealed class ServiceProxy
{
    private readonly IKubeProxyRuleWriter _rules;

    public ServiceProxy(KubeProxyMode mode, KubernetesCluster cluster)
    {
        _rules = mode.Start(cluster);
    }

    public void Add(Service service) => _rules.Add(service);

    /// <summary>
    /// From now on, reprograms the Services added so far when their EndpointSlices change (a scenario's timeline),
    /// after kube-proxy's sync delay, and (<paramref name="clearsStaleUdpConntrack"/>) deletes the UDP conntrack
    /// entries whose endpoint no longer serves, as kube-proxy does.
    /// </summary>
    public KubeProxySync FollowEndpointSlices(EndpointSliceController slices, SimTime minSyncPeriod, bool clearsStaleUdpConntrack) =>
        new(_rules, slices, minSyncPeriod) { ClearsStaleUdpConntrack = clearsStaleUdpConntrack };
}
