using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// kube-proxy in nftables mode (pkg/proxy/nftables/proxier.go), for ClusterIP Services: nat prerouting and
/// output look the destination up in one verdict map (<c>ip daddr . meta l4proto . th dport vmap
/// @service-ips</c>) that jumps to the Service's chain, which picks an endpoint and DNATs. One hash lookup per
/// new connection however many Services there are. The real proxy picks the endpoint with one numgen map
/// lookup; here the iptables-style probability rules pick with the same distribution but cost a rule per
/// endpoint passed. The map and chains are shared by every node. NodePorts: a packet for one of the node's own
/// addresses (<c>fib daddr type local</c>) goes on to the <c>nodeports</c> chain, whose one rule looks the
/// protocol and port up in the node's <c>service-nodeports</c> map (<c>meta l4proto . th dport vmap
/// @service-nodeports</c>), which goes to the Service's <c>external-X</c> chain: for externalTrafficPolicy
/// Cluster a mark for masquerade then the Service's chain; for Local (a chain per node, as each node's
/// kube-proxy writes its own) pod and node traffic to the Service's chain, everything else to this node's
/// endpoints unmasqueraded, or dropped on a node without one.
/// </summary>
public sealed partial class KubeProxyNftables
{
    private readonly VerdictMap _serviceIps = new();
    private readonly Chain _markMasquerade = KubeProxyRules.MarkMasquerade("mark-for-masquerade");
    private readonly EndpointRuleCache _endpointRules;
    private readonly List<Service> _installed = [];
    private int _added; // Services ever added: the next one's number names its chains (a deleted one's is not reused)
    private readonly Dictionary<Node, VerdictMap> _nodePorts = [];
    private readonly VerdictMap _sharedNodePorts = VerdictMap.ByPort(); // the service-nodeports elements every node's kube-proxy writes alike
    private readonly Dictionary<Node, VerdictMap> _nodeServiceIps = []; // each node's service-ips: its own elements over the shared ones

    public KubeProxyNftables(KubernetesCluster cluster)
    {
        Cluster = cluster;
        _endpointRules = new EndpointRuleCache(_markMasquerade);
        foreach (var node in cluster.Nodes)
        {
            var nf = node.Root.EnableNetfilter();
            var serviceNodePorts = VerdictMap.Over(_sharedNodePorts);
            var nodePorts = new Chain("nodeports");
            nodePorts.Append(new Rule { Target = RuleTarget.VerdictMap, Map = serviceNodePorts, Comment = "service-nodeports" });
            _nodePorts[node] = serviceNodePorts;
            var serviceIps = VerdictMap.Over(_serviceIps);
            _nodeServiceIps[node] = serviceIps;
            foreach (var hook in (Chain[])[nf.NatPreRouting, nf.NatOutput])
            {
                hook.Append(new Rule { Target = RuleTarget.VerdictMap, Map = serviceIps, Comment = "services" });
                hook.Append(new Rule { DestinationIsLocal = true, Target = RuleTarget.Jump, JumpTo = nodePorts, Comment = "fib daddr type local: nodeports" });
            }

            nf.NatPostRouting.Append(KubeProxyRules.MasqueradeMarked("masquerading"));
        }
    }

    public KubernetesCluster Cluster { get; }
    public IReadOnlyList<Service> Services => _installed;

    public void Add(Service service)
    {
        var endpoints = service.Endpoints(Cluster);
        string id = $"{++_added:X8}";
        var svc = new Chain($"service-{id}-{service.Name}");
        _serviceChains[service] = svc;
        svc.Append(new Rule
        {
            SourceNotIn = Cluster.PodNetwork, Target = RuleTarget.Jump, JumpTo = _markMasquerade,
            Comment = "traffic from outside the pod network is masqueraded",
        });
        string endpointPrefix = $"endpoint-{id}-";
        List<Chain> chains = [.. endpoints.Select((pod, i) => _endpointRules.Chain(endpointPrefix, i, ChainNumberFormat.Decimal, pod, service))];
        KubeProxyRules.PickOne(svc, chains, service);

        var shared = new Dictionary<string, Chain>(StringComparer.Ordinal); // a node's chains that other nodes' match
        if (ServiceTopology.IsPerNode(service))
        {
            AddTopologyElements(service, id, svc, endpoints, chains, shared);
        }
        else
        {
            _serviceIps.Add(service.ClusterIp, service.Protocol, service.Port, svc);
        }
        if (service.NodePort is { } nodePort)
        {
            AddNodePort(service, nodePort, id, svc, endpoints, chains, shared);
        }

        if (service.LoadBalancerIp is { } lbIp)
        {
            if (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local)
            {
                throw new NotSupportedException(
                    $"Service {service.Name}: externalTrafficPolicy Local is not modelled in nftables mode yet (its map is shared by every node); use Cluster, or the iptables mode.");
            }

            // external-X: traffic from outside is masqueraded, then any endpoint; the LoadBalancer IP is one
            // more element of the same map.
            var external = new Chain($"external-{id}-{service.Name}");
            external.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _markMasquerade, Comment = "masquerade traffic from outside the cluster" });
            external.Append(new Rule { Target = RuleTarget.Goto, JumpTo = svc });
            _serviceIps.Add(lbIp, service.Protocol, service.Port, external);
        }

        _installed.Add(service);
    }

    /// <summary>
    /// A Service whose cluster traffic each node sends to its own choice of endpoints (<see cref="ServiceTopology"/>):
    /// an element of each node's own service-ips map, to a chain of that node's endpoints (the proxier's
    /// internal-traffic chain; without the masquerade rule for internalTrafficPolicy Local, as kube-proxy writes
    /// it); nodes with the same choice share the chain. A node without an endpoint for it (Local, none on the
    /// node) drops, which kube-proxy does in its filter chains (the no-endpoint-services map) and is done here by
    /// the chain the element leads to, with the same effect on the packet.
    /// </summary>
    private void AddTopologyElements(Service service, string id, Chain svc, IReadOnlyList<Pod> endpoints, List<Chain> endpointChains, Dictionary<string, Chain> shared)
    {
        foreach (var (node, map) in _nodeServiceIps)
        {
            Chain chain;
            if (service.InternalTrafficPolicy != InternalTrafficPolicy.Local)
            {
                chain = ClusterPolicyChain(service, id, svc, endpoints, endpointChains, node, shared);
            }
            else
            {
                var local = endpoints.Where(p => p.Node == node).ToList();
                string key = "L:" + string.Join(',', local.Select(p => p.Name));
                if (!shared.TryGetValue(key, out chain!))
                {
                    chain = new Chain($"local-{id}-{service.Name}"); // no masquerade rule: the client's address reaches the pod
                    if (local.Count == 0)
                    {
                        chain.Append(new Rule { Target = RuleTarget.Drop, Comment = $"{service.Name} has no local endpoints" });
                    }
                    else
                    {
                        KubeProxyRules.PickOne(chain, [.. local.Select(p => endpointChains[IndexOf(endpoints, p)])], service);
                    }

                    shared[key] = chain;
                }
            }

            map.Add(service.ClusterIp, service.Protocol, service.Port, chain);
            _perNodeChains[(service, node)] = chain;
        }
    }

    /// <summary>
    /// The proxier's cluster policy chain on <paramref name="node"/>: service-X of every endpoint, or with a
    /// trafficDistribution, of the endpoints its hints leave this node (<see cref="ServiceTopology.ClusterEndpoints"/>),
    /// as each node's kube-proxy writes its own; nodes with the same choice share the chain.
    /// </summary>
    private Chain ClusterPolicyChain(Service service, string id, Chain svc, IReadOnlyList<Pod> endpoints, List<Chain> endpointChains, Node node, Dictionary<string, Chain> shared)
    {
        var chosen = ServiceTopology.ClusterEndpoints(service, endpoints, node);
        if (chosen.Count == endpoints.Count)
        {
            return svc;
        }

        string key = "C:" + string.Join(',', chosen.Select(p => p.Name));
        if (!shared.TryGetValue(key, out var chain))
        {
            chain = new Chain($"service-{id}-{service.Name}");
            chain.Append(new Rule
            {
                SourceNotIn = Cluster.PodNetwork, Target = RuleTarget.Jump, JumpTo = _markMasquerade,
                Comment = "traffic from outside the pod network is masqueraded",
            });
            KubeProxyRules.PickOne(chain, [.. chosen.Select(p => endpointChains[IndexOf(endpoints, p)])], service);
            shared[key] = chain;
        }

        return chain;
    }

    private static int IndexOf(IReadOnlyList<Pod> pods, Pod pod)
    {
        for (int i = 0; i < pods.Count; i++)
        {
            if (pods[i] == pod)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>An element of every node's service-nodeports map, to the Service's external chain (see the class summary).</summary>
    private void AddNodePort(Service service, ushort nodePort, string id, Chain svc, IReadOnlyList<Pod> endpoints, List<Chain> endpointChains, Dictionary<string, Chain> shared)
    {
        if (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Cluster && service.TrafficDistribution == TrafficDistribution.Default)
        {
            // Every node's element is the same: external-X, masqueraded, then every endpoint. Held once, in the map
            // every node's service-nodeports falls through to, as service-ips is.
            var all = new Chain($"external-{id}-{service.Name}");
            all.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _markMasquerade, Comment = "masquerade traffic from outside the cluster" });
            all.Append(new Rule { Target = RuleTarget.Goto, JumpTo = svc });
            _sharedNodePorts.Add(service.Protocol, nodePort, all);
            foreach (var map in _nodePorts.Values)
            {
                // A Local version's per-node elements (a patch back to Cluster) would hide the shared one.
                map.Remove(Ipv4Address.Any, service.Protocol, nodePort);
            }

            return;
        }

        // Per-node elements from here: the shared one (a Cluster version's, before a patch to Local) goes.
        _sharedNodePorts.Remove(Ipv4Address.Any, service.Protocol, nodePort);

        if (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Cluster)
        {
            // external-X: masqueraded, then the cluster policy chain (every endpoint, or the ones a
            // trafficDistribution leaves the node: one external-X per such chain).
            var externals = new Dictionary<Chain, Chain>();
            foreach (var (node, map) in _nodePorts)
            {
                var policy = ClusterPolicyChain(service, id, svc, endpoints, endpointChains, node, shared);
                if (!externals.TryGetValue(policy, out var external))
                {
                    external = new Chain($"external-{id}-{service.Name}");
                    external.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _markMasquerade, Comment = "masquerade traffic from outside the cluster" });
                    external.Append(new Rule { Target = RuleTarget.Goto, JumpTo = policy });
                    externals[policy] = external;
                }

                map.Add(service.Protocol, nodePort, external);
            }

            return;
        }

        foreach (var (node, map) in _nodePorts)
        {
            var policy = ClusterPolicyChain(service, id, svc, endpoints, endpointChains, node, shared);
            var external = new Chain($"external-{id}-{service.Name}");
            external.Append(new Rule { Source = Cluster.PodNetwork, Target = RuleTarget.Goto, JumpTo = policy, Comment = "short-circuit pod traffic" });
            external.Append(new Rule { SourceIsLocal = true, Target = RuleTarget.Jump, JumpTo = _markMasquerade, Comment = "masquerade local traffic" });
            external.Append(new Rule { SourceIsLocal = true, Target = RuleTarget.Goto, JumpTo = policy, Comment = "short-circuit local traffic" });
            var local = endpoints.Select((pod, i) => (pod, i)).Where(e => e.pod.Node == node).Select(e => endpointChains[e.i]).ToList();
            if (local.Count == 0)
            {
                // kube-proxy drops these in its filter chains (the no-endpoint-nodeports map); here the external
                // chain's last rule does, with the same effect on the packet.
                external.Append(new Rule { Target = RuleTarget.Drop, Comment = $"{service.Name} has no local endpoints" });
            }
            else
            {
                var localChain = new Chain($"local-{id}-{service.Name}");
                KubeProxyRules.PickOne(localChain, local, service);
                external.Append(new Rule { Target = RuleTarget.Goto, JumpTo = localChain });
            }

            map.Add(service.Protocol, nodePort, external);
        }
    }
}
