using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>Following EndpointSlices: a Service's chain rewritten when its endpoints change.</summary>
public sealed partial class KubeProxyNftables : IKubeProxyRuleWriter
{
    private readonly Dictionary<Service, Chain> _serviceChains = [];
    private int _generation;

    /// <summary>
    /// Reprograms Services when <paramref name="slices"/> publishes new endpoints, after kube-proxy's sync delay
    /// (<paramref name="minSyncPeriod"/>: nftables.minSyncPeriod, 1 s by default).
    /// </summary>
    public KubeProxySync FollowEndpointSlices(EndpointSliceController slices, SimTime? minSyncPeriod = null) =>
        new(this, slices, minSyncPeriod ?? KubeProxySync.DefaultMinSyncPeriod);

    /// <summary>
    /// One nft transaction with only what changed: per changed Service a flush of its chain and its rules, and
    /// per endpoint its chain (2 + 4n lines). The service-ips map is not rewritten, so the sync does not grow
    /// with the number of Services. (kubernetes/kubernetes issue 139513 reports recent proxies listing the whole
    /// table on every sync, which does grow at tens of thousands of Services; not modelled.)
    /// </summary>
    public int SyncLines(IReadOnlyDictionary<Service, IReadOnlyList<Pod>> changed) =>
        changed.Values.Sum(endpoints => 2 + (4 * endpoints.Count));

    /// <summary>
    /// The Service's chain refilled with the new endpoints; with none it drops (the real proxy's no-endpoint-services
    /// map rejects). A NodePort with externalTrafficPolicy Local (or one just updated) has its external chains and
    /// its service-nodeports elements rebuilt too: each node's local chain holds that node's endpoints.
    /// </summary>
    public void ReplaceEndpoints(Service service, IReadOnlyList<Pod> endpoints)
    {
        if (ServiceTopology.IsPerNode(service))
        {
            throw new NotSupportedException($"Service {service.Name}: changing the endpoints of a Service with internalTrafficPolicy Local or a trafficDistribution is not modelled in nftables mode yet (its per-node chains are not rebuilt).");
        }

        bool rebuildNodePort = _externalStale.Remove(service) || (service.NodePort is not null && service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local);
        var svc = _serviceChains[service];
        _generation++;
        svc.Clear();
        svc.Append(new Rule
        {
            SourceNotIn = Cluster.PodNetwork, Target = RuleTarget.Jump, JumpTo = _markMasquerade,
            Comment = "traffic from outside the pod network is masqueraded",
        });
        string endpointPrefix = $"endpoint-{_generation:X4}-";
        List<Chain> chains = [.. endpoints.Select((pod, i) => _endpointRules.Chain(endpointPrefix, i, ChainNumberFormat.Decimal, pod, service))];
        if (endpoints.Count == 0)
        {
            svc.Append(new Rule { Target = RuleTarget.Drop, Comment = $"{service.Name} has no endpoints" });
        }
        else
        {
            KubeProxyRules.PickOne(svc, chains, service);
        }

        if (rebuildNodePort && service.NodePort is { } nodePort)
        {
            // Each node's service-nodeports element replaced by one to the new external chain (the map's element
            // for the port is overwritten, as nft's "add element" of the transaction after its "delete element").
            string id = svc.Name.Substring("service-".Length, 8);
            AddNodePort(service, nodePort, id, svc, endpoints, chains, new Dictionary<string, Chain>(StringComparer.Ordinal));
        }
    }
}
