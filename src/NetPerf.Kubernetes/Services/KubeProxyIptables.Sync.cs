using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>Following EndpointSlices: a Service's chains rewritten when its endpoints change.</summary>
public sealed partial class KubeProxyIptables : IKubeProxyRuleWriter
{
    private readonly Dictionary<Service, Chain> _serviceChains = [];
    private readonly Dictionary<Service, Rule> _rejects = [];
    private int _generation;

    /// <summary>
    /// Reprograms Services when <paramref name="slices"/> publishes new endpoints, after kube-proxy's sync delay
    /// (<paramref name="minSyncPeriod"/>: iptables.minSyncPeriod, 1 s by default).
    /// </summary>
    public KubeProxySync FollowEndpointSlices(EndpointSliceController slices, SimTime? minSyncPeriod = null) =>
        new(this, slices, minSyncPeriod ?? KubeProxySync.DefaultMinSyncPeriod);

    /// <summary>
    /// A partial iptables-restore (KEP-3453's MinimizeIPTablesRestore, on by default since 1.27): KUBE-SERVICES,
    /// KUBE-NODEPORTS and KUBE-EXTERNAL-SERVICES, and the filter table's KUBE-SERVICES, written whole on every sync
    /// (a line per Service at least, so the sync grows with the cluster), then the chains of the Services that
    /// changed: KUBE-SVC (a header, the masquerade rule, a rule per endpoint) and per endpoint a KUBE-SEP (a
    /// header and 2 rules), 2 + 4n lines; a Service left without endpoints deletes its chain (a line).
    /// </summary>
    public int SyncLines(IReadOnlyDictionary<Service, IReadOnlyList<Pod>> changed)
    {
        var chains = _nodes.Values.First();
        int lines = 4 + chains.Services.Rules.Count + chains.NodePorts.Rules.Count + chains.External.Rules.Count + _filterServices.Rules.Count;
        foreach (var endpoints in changed.Values)
        {
            lines += endpoints.Count == 0 ? 1 : 2 + (4 * endpoints.Count);
        }

        return lines;
    }

    /// <summary>
    /// A deleted Service's lines: for each of its chains (KUBE-SVC and every KUBE-SEP) a chain line, which flushes
    /// it, and a <c>-X</c> (proxier.go's deletion of chains no longer in use), less its portal, which the
    /// KUBE-SERVICES rewritten whole (<see cref="SyncLines"/>, counted with it) no longer holds. A Service that had
    /// no endpoints only loses its filter-table reject, which that rewrite also drops.
    /// </summary>
    public int RemoveLines(Service service) => _serviceChains.TryGetValue(service, out var svc)
        ? (2 * (1 + svc.Rules.Count(r => r.JumpTo is { } c && c.Name.StartsWith("KUBE-SEP-", StringComparison.Ordinal)))) - 1
        : -1;

    /// <summary>
    /// A Service created since the last sync: its portal in KUBE-SERVICES (a line of the table written whole),
    /// its chains counted as a changed Service's by <see cref="SyncLines"/>. proxier.go writes KUBE-SERVICES from
    /// its serviceMap, which holds a Service only once a sync has read it from the informer's cache: until then
    /// no rule, not even the filter table's "has no endpoints" REJECT, matches its ClusterIP.
    /// </summary>
    public int AddLines(Service service)
    {
        if (service.NodePort is not null || service.LoadBalancerIp is not null || ServiceTopology.IsPerNode(service))
        {
            throw new NotSupportedException($"Service {service.Name}: adding a NodePort, LoadBalancer or per-node Service while the run goes on is not modelled yet (its KUBE-NODEPORTS and per-node rules are not written).");
        }

        return 1;
    }

    /// <summary>
    /// A deleted ClusterIP Service: its portal leaves every node's KUBE-SERVICES (and its reject the filter
    /// table's, when it had no endpoints), so a new connection to its ClusterIP matches nothing and is routed as
    /// an ordinary destination. Connections already in conntrack keep their DNAT: kube-proxy deletes UDP entries
    /// whose endpoint no longer serves, never TCP ones.
    /// </summary>
    public void Remove(Service service)
    {
        if (service.NodePort is not null || service.LoadBalancerIp is not null || ServiceTopology.IsPerNode(service))
        {
            throw new NotSupportedException($"Service {service.Name}: removing a NodePort, LoadBalancer or per-node Service is not modelled yet (its KUBE-NODEPORTS and per-node rules are not taken out).");
        }

        if (_serviceChains.Remove(service, out var svc))
        {
            if (_portals is { } portals && portals.Attached == portals.Made)
            {
                portals.Remove(_nodes.Values.First().Services.Rules.First(r => r.JumpTo == svc)); // every node's at once
            }
            else
            {
                foreach (var chains in _nodes.Values)
                {
                    chains.Services.Remove(chains.Services.Rules.First(r => r.JumpTo == svc));
                }
            }

            ServiceRules--;
        }

        if (_filterServices.Rules.FirstOrDefault(r => r.Target == RuleTarget.Drop && r.Destination == new Ipv4Prefix(service.ClusterIp, 32) && r.DestinationPort == service.Port && r.Protocol == service.Protocol) is { } reject)
        {
            _filterServices.Remove(reject);
        }

        _rejects.Remove(service);
        _live.Remove(service);
    }

    /// <summary>
    /// The Service's KUBE-SVC chain refilled with the new endpoints' KUBE-SEP chains (shared by every node, so
    /// every node switches at once); without endpoints the filter table rejects it, as when it was added with none.
    /// An externalTrafficPolicy Local Service (or one just updated) has its external chains rebuilt too: each
    /// node's KUBE-SVL-X holds that node's endpoints, so a node that gains or loses its last one changes.
    /// </summary>
    public void ReplaceEndpoints(Service service, IReadOnlyList<Pod> endpoints)
    {
        if (ServiceTopology.IsPerNode(service))
        {
            throw new NotSupportedException(
                $"Service {service.Name}: changing the endpoints of a Service with internalTrafficPolicy Local or a trafficDistribution is not modelled yet (its per-node chains are not rebuilt).");
        }

        bool external = service.NodePort is not null || service.LoadBalancerIp is not null;
        bool rebuildExternal = _externalStale.Remove(service) || (external && service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local);
        if (!_serviceChains.TryGetValue(service, out var svc))
        {
            if (endpoints.Count > 0)
            {
                // Added without endpoints: its reject goes, and it is programmed as a new Service would be.
                var cluster = new Ipv4Prefix(service.ClusterIp, 32);
                var reject = _filterServices.Rules.First(r => r.Target == RuleTarget.Drop && r.Destination == cluster && r.DestinationPort == service.Port && r.Protocol == service.Protocol);
                _filterServices.Remove(reject);
                Program(service, endpoints, $"{_installed.IndexOf(service) + 1:X8}");
            }

            return;
        }

        string id = svc.Name["KUBE-SVC-".Length..];
        _generation++;
        svc.Clear();
        svc.Append(new Rule
        {
            Destination = new Ipv4Prefix(service.ClusterIp, 32), Protocol = service.Protocol, DestinationPort = service.Port,
            SourceNotIn = Cluster.PodNetwork, Target = RuleTarget.Jump, JumpTo = _markMasquerade,
        });
        var endpointChains = new Dictionary<Pod, Chain>();
        string sepPrefix = $"KUBE-SEP-{id}{_generation:X4}";
        for (int i = 0; i < endpoints.Count; i++)
        {
            endpointChains[endpoints[i]] = _endpointRules.Chain(sepPrefix, i, ChainNumberFormat.Hex4, endpoints[i], service);
        }

        KubeProxyRules.PickOne(svc, [.. endpointChains.Values], service);
        if (rebuildExternal)
        {
            ReplaceExternal(service, id, svc, endpoints, endpointChains);
        }

        if (endpoints.Count == 0 && !_rejects.ContainsKey(service))
        {
            var reject = new Rule
            {
                Destination = new Ipv4Prefix(service.ClusterIp, 32), Protocol = service.Protocol, DestinationPort = service.Port,
                Target = RuleTarget.Drop, Comment = $"{service.Name} has no endpoints",
            };
            _rejects[service] = reject;
            _filterServices.Append(reject);
        }
        else if (endpoints.Count > 0 && _rejects.Remove(service, out var reject))
        {
            _filterServices.Remove(reject);
        }
    }
}
