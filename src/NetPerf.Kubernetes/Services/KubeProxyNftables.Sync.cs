using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>Following EndpointSlices: a Service's chain rewritten when its endpoints change.</summary>
public sealed partial class KubeProxyNftables : IKubeProxyRuleWriter
{
    private readonly Dictionary<Service, Chain> _serviceChains = [];
    private readonly Dictionary<(Service, Node), Chain> _perNodeChains = []; // a per-node Service's element's chain on each node
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
    /// A Service created since the last sync, in the sync's one nft transaction (pkg/proxy/nftables/proxier.go):
    /// its service-ips element (a line; its chain and endpoint chains counted as a changed Service's by
    /// <see cref="SyncLines"/>). Until that transaction commits no element matches its ClusterIP, and a SYN to its
    /// NodePort finds no service-nodeports element either and reaches the node's own TCP, which resets it. A
    /// NodePort adds its service-nodeports element (a line) and its external chain, on the node that writes most
    /// (each node's kube-proxy writes its own): the chain and 2 rules with externalTrafficPolicy Cluster; with
    /// Local the chain and 4 (3 short-circuits, then a goto to the local chain or a drop), and on a node with
    /// endpoints there (<paramref name="endpoints"/>: the slice the sync reads) its local chain (the chain and a
    /// rule per local endpoint). A per-node Service's service-ips element on a node leads to a chain of that
    /// node's: with internalTrafficPolicy Local its local-X (the chain and a rule per local endpoint, or a drop),
    /// with a trafficDistribution that leaves the node some endpoints only, a service-X of them (the chain, the
    /// masquerade rule and a rule per endpoint).
    /// </summary>
    public int AddLines(Service service, IReadOnlyList<Pod> endpoints)
    {
        RefuseAtRunTime(service, "adding");
        bool perNode = ServiceTopology.IsPerNode(service);
        int most = 0;
        foreach (var node in _nodePorts.Keys)
        {
            int local = endpoints.Count(p => p.Node == node);
            int lines = 0;
            if (service.InternalTrafficPolicy == InternalTrafficPolicy.Local)
            {
                lines += 1 + Math.Max(1, local);
            }
            else if (perNode && ServiceTopology.ClusterEndpoints(service, endpoints, node) is { } chosen && chosen.Count != endpoints.Count)
            {
                lines += 2 + chosen.Count;
            }

            if (service.NodePort is not null)
            {
                lines += 1 + (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local ? 1 + 4 + (local > 0 ? 1 + local : 0) : 1 + 2);
            }

            most = Math.Max(most, lines);
        }

        return 1 + most;
    }

    /// <summary>
    /// A deleted Service's lines in the transaction: its service-ips element deleted (a line), and each chain it
    /// no longer uses flushed (a line each: service-X and an endpoint chain per endpoint; a NodePort's external-X
    /// and, under Local on a node with endpoints, its local-X), with its service-nodeports element deleted (a
    /// line). The proxier deletes a flushed chain in a later sync, once nothing can still jump to it (its
    /// staleChains); that later, separate write is not counted here. A per-node Service flushes each node's own
    /// chain too (its local-X or zone's service-X), on the node that writes most.
    /// </summary>
    public int RemoveLines(Service service)
    {
        RefuseAtRunTime(service, "removing");
        var svc = _serviceChains[service];
        int lines = 1 + 1 + svc.Rules.Count(r => r.JumpTo is { } c && c.Name.StartsWith("endpoint-", StringComparison.Ordinal));
        int most = 0;
        foreach (var node in _nodePorts.Keys)
        {
            int own = _perNodeChains.TryGetValue((service, node), out var chain) && chain != svc ? 1 : 0;
            if (service.NodePort is { } nodePort)
            {
                bool local = _nodePorts[node].Find(service.Protocol, nodePort) is { } external && external.Rules.Any(r => r.JumpTo is { } c && c.Name.StartsWith("local-", StringComparison.Ordinal));
                own += 1 + 1 + (local ? 1 : 0);
            }

            most = Math.Max(most, own);
        }

        return lines + most;
    }

    /// <summary>
    /// A deleted Service at the transaction's commit: its service-ips element goes, and a NodePort's
    /// service-nodeports element (the shared one under Cluster, each node's own under Local), so a new connection
    /// to its ClusterIP matches no element and is routed as an ordinary destination, and one to its NodePort
    /// reaches the node's own TCP, which resets it. Connections already in conntrack keep their DNAT: the nat
    /// chains see only a connection's first packet.
    /// </summary>
    public void Remove(Service service)
    {
        RefuseAtRunTime(service, "removing");
        _serviceIps.Remove(service.ClusterIp, service.Protocol, service.Port);
        foreach (var (node, map) in _nodeServiceIps)
        {
            map.Remove(service.ClusterIp, service.Protocol, service.Port); // a per-node Service's own elements
            _perNodeChains.Remove((service, node));
        }

        if (service.NodePort is { } nodePort)
        {
            _sharedNodePorts.Remove(Ipv4Address.Any, service.Protocol, nodePort);
            foreach (var map in _nodePorts.Values)
            {
                map.Remove(Ipv4Address.Any, service.Protocol, nodePort);
            }
        }

        _serviceChains.Remove(service);
        _externalStale.Remove(service);
        _installed.Remove(service);
    }

    /// <summary>What stays unmodelled while the run goes on in nftables mode: a LoadBalancer IP.</summary>
    private static void RefuseAtRunTime(Service service, string doing)
    {
        if (service.LoadBalancerIp is not null)
        {
            throw new NotSupportedException($"Service {service.Name}: {doing} a LoadBalancer Service while the run goes on is not modelled in nftables mode yet.");
        }
    }

    /// <summary>
    /// The Service's chain refilled with the new endpoints; with none it drops (the real proxy's no-endpoint-services
    /// map rejects). A NodePort with externalTrafficPolicy Local (or one just updated) has its external chains and
    /// its service-nodeports elements rebuilt too: each node's local chain holds that node's endpoints.
    /// </summary>
    public void ReplaceEndpoints(Service service, IReadOnlyList<Pod> endpoints)
    {
        bool rebuildNodePort = _externalStale.Remove(service) || (service.NodePort is not null && (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local || service.TrafficDistribution != TrafficDistribution.Default));
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

        string id = svc.Name.Substring("service-".Length, 8);
        var shared = new Dictionary<string, Chain>(StringComparer.Ordinal);
        if (ServiceTopology.IsPerNode(service))
        {
            // Each node's service-ips element replaced by one to its new chain (overwritten, as nft's "add element"
            // after its "delete element" in the same transaction).
            AddTopologyElements(service, id, svc, endpoints, chains, shared);
        }

        if (rebuildNodePort && service.NodePort is { } nodePort)
        {
            // Each node's service-nodeports element replaced by one to the new external chain, the same way.
            AddNodePort(service, nodePort, id, svc, endpoints, chains, shared);
        }
    }
}
