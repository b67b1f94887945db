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
    /// no endpoints only loses its filter-table reject, which that rewrite also drops. A NodePort's KUBE-EXT-X goes
    /// the same way (2 lines) and its rule leaves KUBE-NODEPORTS (a line fewer in that chain, written whole too);
    /// with externalTrafficPolicy Local, on the node that writes most (each node's kube-proxy writes its own), its
    /// KUBE-SVL-X goes too (2 lines), or, on a node without an endpoint, its "has no local endpoints" DROP leaves
    /// KUBE-EXTERNAL-SERVICES (a line fewer). A per-node Service's portal on a node that leads to a chain of its own
    /// (KUBE-SVL-X under internalTrafficPolicy Local, a zone's KUBE-SVC-X under a trafficDistribution) deletes that
    /// chain too (2 lines).
    /// </summary>
    public int RemoveLines(Service service)
    {
        RefuseAtRunTime(service, "removing");
        if (!_serviceChains.TryGetValue(service, out var svc))
        {
            return -1;
        }

        int lines = (2 * (1 + svc.Rules.Count(r => r.JumpTo is { } c && c.Name.StartsWith("KUBE-SEP-", StringComparison.Ordinal)))) - 1;
        bool perNode = ServiceTopology.IsPerNode(service);
        if (service.NodePort is null && !perNode)
        {
            return lines;
        }

        string noLocal = $"{service.Name} has no local endpoints";
        int most = int.MinValue;
        foreach (var chains in _nodes.Values)
        {
            int node = 0;
            if (perNode && chains.Services.Rules.FirstOrDefault(r => IsPortal(r, service)) is { JumpTo: { } own } && own != svc)
            {
                node += 2; // this node's own KUBE-SVL-X or zone's KUBE-SVC-X
            }

            if (service.NodePort is not null)
            {
                node += 2 - 1; // KUBE-EXT-X's chain line and -X, less the KUBE-NODEPORTS rule
                if (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local)
                {
                    node += chains.External.Rules.Any(r => r.Comment == noLocal) ? -1 : 2;
                }
            }

            most = Math.Max(most, node);
        }

        return lines + most;
    }

    /// <summary>
    /// A Service created since the last sync: its portal in KUBE-SERVICES (a line of the table written whole),
    /// its chains counted as a changed Service's by <see cref="SyncLines"/>. proxier.go writes KUBE-SERVICES from
    /// its serviceMap, which holds a Service only once a sync has read it from the informer's cache: until then
    /// no rule, not even the filter table's "has no endpoints" REJECT, matches its ClusterIP (or its NodePort: a SYN
    /// to it reaches the node's own TCP, which has no listener there and resets it). A NodePort adds its rule in
    /// KUBE-NODEPORTS (a line of that chain, written whole) and its KUBE-EXT-X, a header and its rules, on the node
    /// that writes most (each node's kube-proxy writes its own): with externalTrafficPolicy Cluster 2 (the
    /// masquerade mark, the jump to KUBE-SVC); with Local 3 short-circuits, then on a node with endpoints there
    /// (<paramref name="endpoints"/>: the slice the sync reads) a jump to KUBE-SVL-X and that chain (a header and a
    /// rule per local endpoint), on a node without one a DROP in KUBE-EXTERNAL-SERVICES. A per-node Service's
    /// portal on a node leads to a chain of that node's (proxier.go's internalTrafficChain): with
    /// internalTrafficPolicy Local KUBE-SVL-X (a header and a rule per local endpoint; none where the portal is the
    /// "has no local endpoints" DROP), with a trafficDistribution that leaves the node some endpoints only, a
    /// KUBE-SVC-X of them (a header, the masquerade rule and a rule per endpoint).
    /// </summary>
    public int AddLines(Service service, IReadOnlyList<Pod> endpoints)
    {
        RefuseAtRunTime(service, "adding");
        bool perNode = ServiceTopology.IsPerNode(service);
        if ((service.NodePort is null && !perNode) || endpoints.Count == 0)
        {
            return 1; // without endpoints: the filter table's reject, a line of the rewritten KUBE-SERVICES
        }

        int most = 0;
        foreach (var node in _nodes.Keys)
        {
            int local = endpoints.Count(p => p.Node == node);
            int lines = 0;
            if (service.InternalTrafficPolicy == InternalTrafficPolicy.Local)
            {
                lines += local > 0 ? 1 + local : 0;
            }
            else if (perNode && ServiceTopology.ClusterEndpoints(service, endpoints, node) is { } chosen && chosen.Count != endpoints.Count)
            {
                lines += 2 + chosen.Count;
            }

            if (service.NodePort is not null)
            {
                lines += 1 + (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local
                    ? 1 + 3 + (local > 0 ? 1 + 1 + local : 1)
                    : 1 + 2);
            }

            most = Math.Max(most, lines);
        }

        return 1 + most;
    }

    /// <summary>
    /// What stays unmodelled while the run goes on: a LoadBalancer IP (its rule in KUBE-SERVICES and the external
    /// load balancer or speaker that would follow it).
    /// </summary>
    private static void RefuseAtRunTime(Service service, string doing)
    {
        if (service.LoadBalancerIp is not null)
        {
            throw new NotSupportedException($"Service {service.Name}: {doing} a LoadBalancer Service while the run goes on is not modelled yet (its LoadBalancer IP's rule is not written or taken out).");
        }
    }

    /// <summary>
    /// A deleted Service: its portal leaves every node's KUBE-SERVICES (a per-node Service's: each node's own,
    /// its jump or its DROP; and its reject the filter table's, when it had no endpoints), so a new connection to its ClusterIP matches nothing and is routed as an ordinary
    /// destination. A NodePort's rule leaves KUBE-NODEPORTS and its "has no local endpoints" DROPs
    /// KUBE-EXTERNAL-SERVICES, so a new connection to the NodePort reaches the node's own TCP, which resets it.
    /// Connections already in conntrack keep their DNAT: kube-proxy deletes UDP entries whose endpoint no longer
    /// serves, never TCP ones, and the nat table sees only a connection's first packet.
    /// </summary>
    public void Remove(Service service)
    {
        RefuseAtRunTime(service, "removing");
        if (_serviceChains.Remove(service, out _))
        {
            RemoveFromEveryNodesServices(r => IsPortal(r, service));
            ServiceRules--;
        }

        if (service.NodePort is { } nodePort)
        {
            string noLocal = $"{service.Name} has no local endpoints";
            foreach (var chains in _nodes.Values)
            {
                RemoveAt(chains.NodePorts, FindIndex(chains.NodePorts, r => r.Comment == service.Name && r.DestinationPort == nodePort && r.Protocol == service.Protocol));
                foreach (var drop in chains.External.Rules.Where(r => r.Comment == noLocal).ToList())
                {
                    chains.External.Remove(drop);
                }
            }
        }

        if (_filterServices.Rules.FirstOrDefault(r => r.Target == RuleTarget.Drop && r.Destination == new Ipv4Prefix(service.ClusterIp, 32) && r.DestinationPort == service.Port && r.Protocol == service.Protocol) is { } reject)
        {
            _filterServices.Remove(reject);
        }

        _rejects.Remove(service);
        _externalStale.Remove(service);
        _live.Remove(service);
    }

    /// <summary>
    /// The Service's KUBE-SVC chain refilled with the new endpoints' KUBE-SEP chains (shared by every node, so
    /// every node switches at once); without endpoints the filter table rejects it, as when it was added with none.
    /// An externalTrafficPolicy Local Service (or one just updated) has its external chains rebuilt too: each
    /// node's KUBE-SVL-X holds that node's endpoints, so a node that gains or loses its last one changes.
    /// </summary>
    /// <remarks>
    /// A per-node Service (<see cref="ServiceTopology"/>) has each node's portal rewritten where it stood: to this
    /// node's KUBE-SVL-X (internalTrafficPolicy Local) or KUBE-SVC-X of its zone's endpoints (a trafficDistribution),
    /// or the "has no local endpoints" DROP on a node left without one, as each node's kube-proxy writes its own.
    /// </remarks>
    public void ReplaceEndpoints(Service service, IReadOnlyList<Pod> endpoints)
    {
        bool perNode = ServiceTopology.IsPerNode(service);
        bool external = service.NodePort is not null || service.LoadBalancerIp is not null;
        // Each node's external chain holds its own endpoints under Local, and a trafficDistribution's choice under Cluster.
        bool rebuildExternal = _externalStale.Remove(service) || (external && (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local || service.TrafficDistribution != TrafficDistribution.Default));
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
        var shared = new Dictionary<string, Chain>(StringComparer.Ordinal);
        if (perNode)
        {
            ReplaceTopologyPortals(service, id, svc, endpoints, endpointChains, shared);
        }

        if (rebuildExternal)
        {
            ReplaceExternal(service, id, svc, endpoints, endpointChains, shared);
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

    /// <summary>Each node's portal of a per-node Service taken out and written anew for <paramref name="endpoints"/>, at its place.</summary>
    private void ReplaceTopologyPortals(Service service, string id, Chain svc, IReadOnlyList<Pod> endpoints, Dictionary<Pod, Chain> endpointChains, Dictionary<string, Chain> shared)
    {
        var at = new Dictionary<Node, int>();
        foreach (var (node, chains) in _nodes)
        {
            int index = FindIndex(chains.Services, r => IsPortal(r, service));
            RemoveAt(chains.Services, index);
            at[node] = index;
        }

        AddTopologyPortals(service, id, svc, endpoints, endpointChains, shared, at);
    }

    /// <summary>The Service's rule in KUBE-SERVICES for its ClusterIP: a jump to its chain, or a per-node Service's DROP.</summary>
    private static bool IsPortal(Rule rule, Service service) =>
        rule.Destination == new Ipv4Prefix(service.ClusterIp, 32) && rule.DestinationPort == service.Port && rule.Protocol == service.Protocol;
}
