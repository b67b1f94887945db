using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// kube-proxy in iptables mode (pkg/proxy/iptables/proxier.go), for ClusterIP Services: nat PREROUTING and
/// OUTPUT jump to KUBE-SERVICES, which holds one rule per Service port (<c>-d CLUSTER-IP/32 -p tcp --dport P
/// -j KUBE-SVC-X</c>) walked in order; KUBE-SVC-X picks an endpoint with the real random-probability rules (1/n,
/// then 1/(n-1), ..., the last unconditional) and jumps to its KUBE-SEP-Y, which marks hairpin traffic for
/// masquerade (<c>-s POD-IP -j KUBE-MARK-MASQ</c>) and DNATs to the pod. KUBE-POSTROUTING masquerades marked
/// packets. KUBE-SERVICES ends with <c>-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS</c>, so a NodePort
/// connection first walks every ClusterIP rule. In KUBE-NODEPORTS a Service jumps to its KUBE-EXT-X: with
/// externalTrafficPolicy Cluster that marks for masquerade and goes to KUBE-SVC; with Local, pods and the
/// node's own processes still go to KUBE-SVC (the node's masqueraded), and external clients to KUBE-SVL (this
/// node's endpoints only, no mark), dropped by KUBE-EXTERNAL-SERVICES in the filter table on a node without one.
/// A LoadBalancer IP gets its own rule in KUBE-SERVICES, to the same KUBE-EXT-X. Only a connection's
/// first packet walks these rules: conntrack carries the rest. Rules are immutable and shared by every node;
/// only the node-local choices differ per node. Every node's KUBE-SERVICES is made over one list of the portals
/// (<see cref="SharedRules"/>) while the nodes' chains agree, so a Service's portal (and an externalTrafficPolicy
/// Cluster LoadBalancer IP's rule, and a deletion) is written once, not once per node; the first per-node change (a
/// Local LoadBalancer IP's rule, a topology portal, an update's rewrite) gives each node's chain its own copy, and
/// from then on each is written as every node's kube-proxy writes its own. NodePorts (KUBE-NODEPORTS,
/// KUBE-EXTERNAL-SERVICES) are each node's own chains.
/// </summary>
public sealed partial class KubeProxyIptables
{
    /// <summary>KUBE-MARK-MASQ's bit (kube-proxy's --iptables-masquerade-bit 14).</summary>
    public const uint MasqueradeMark = 0x4000;

    private readonly Dictionary<Node, NodeChains> _nodes = [];
    private readonly Chain _markMasquerade = KubeProxyRules.MarkMasquerade("KUBE-MARK-MASQ");
    private readonly EndpointRuleCache _endpointRules;
    private readonly Chain _postRouting = new("KUBE-POSTROUTING");
    private readonly List<Service> _installed = []; // every Service ever added: its position names its chains
    private readonly List<Service> _live = []; // those not deleted since
    private readonly Chain _filterServices = new("KUBE-SERVICES"); // filter table: Services without endpoints
    private readonly SharedRules? _portals; // every node's KUBE-SERVICES portals while the nodes' chains agree

    /// <param name="cluster">The cluster whose nodes get the rules.</param>
    /// <param name="shareAcrossNodes">Make every node's KUBE-SERVICES over one list of portals while they agree
    /// (the default); false: each node's chain its own from the start (the eager build, for comparison).</param>
    public KubeProxyIptables(KubernetesCluster cluster, bool shareAcrossNodes = true)
    {
        Cluster = cluster;
        _endpointRules = new EndpointRuleCache(_markMasquerade);
        _portals = shareAcrossNodes ? new SharedRules() : null;
        _postRouting.Append(KubeProxyRules.MasqueradeMarked("kubernetes service traffic requiring SNAT"));
        foreach (var node in cluster.Nodes)
        {
            var services = _portals is null ? new Chain("KUBE-SERVICES") : Chain.Over("KUBE-SERVICES", _portals);
            var chains = new NodeChains(services, new Chain("KUBE-NODEPORTS"), new Chain("KUBE-EXTERNAL-SERVICES"));
            _nodes[node] = chains;
            var nf = node.Root.EnableNetfilter();
            nf.NatPreRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = chains.Services, Comment = "kubernetes service portals" });
            nf.NatOutput.Append(new Rule { Target = RuleTarget.Jump, JumpTo = chains.Services, Comment = "kubernetes service portals" });
            nf.NatPostRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _postRouting, Comment = "kubernetes postrouting rules" });
            nf.FilterInput.Append(new Rule { NewConnectionOnly = true, Target = RuleTarget.Jump, JumpTo = chains.External, Comment = "kubernetes externally-visible service portals" });
            nf.FilterForward.Append(new Rule { NewConnectionOnly = true, Target = RuleTarget.Jump, JumpTo = _filterServices, Comment = "kubernetes service portals" });
            nf.FilterForward.Append(new Rule { NewConnectionOnly = true, Target = RuleTarget.Jump, JumpTo = chains.External, Comment = "kubernetes externally-visible service portals" });
            nf.FilterOutput.Append(new Rule { NewConnectionOnly = true, Target = RuleTarget.Jump, JumpTo = _filterServices, Comment = "kubernetes service portals" });

            // KUBE-NODEPORTS stays the last rule of KUBE-SERVICES: Services are inserted before it.
            chains.Services.Append(new Rule { DestinationIsLocal = true, Target = RuleTarget.Jump, JumpTo = chains.NodePorts, Comment = "kubernetes service nodeports" });
        }
    }

    /// <summary>The rules that lead to KUBE-EXT-X: the NodePort's in KUBE-NODEPORTS, the LoadBalancer IP's in KUBE-SERVICES.</summary>
    private static (Rule? NodePort, Rule? LoadBalancer) ExternalRules(Service service, Chain ext) =>
        (service.NodePort is { } nodePort
            ? new Rule { Protocol = service.Protocol, DestinationPort = nodePort, Target = RuleTarget.Jump, JumpTo = ext, Comment = service.Name }
            : null,
        service.LoadBalancerIp is { } lbIp
            ? new Rule
            {
                Destination = new Ipv4Prefix(lbIp, 32), Protocol = service.Protocol, DestinationPort = service.Port,
                Target = RuleTarget.Jump, JumpTo = ext, Comment = $"{service.Name} loadbalancer IP",
            }
            : null);

    /// <summary>
    /// Places the rules in a node's chains, at <paramref name="at"/>'s places when the chains are rebuilt (where the
    /// old version's stood, as kube-proxy writes the Services in the same order each sync), else last; nodes whose
    /// KUBE-EXT-X is the same share the rule objects, as they share the portals.
    /// </summary>
    private static void AddExternalRules((Rule? NodePort, Rule? LoadBalancer) rules, NodeChains chains, ExternalRulePlaces at)
    {
        if (rules.NodePort is { } nodePort)
        {
            chains.NodePorts.Insert(at.NodePort >= 0 ? at.NodePort : chains.NodePorts.Rules.Count, nodePort);
        }

        if (rules.LoadBalancer is { } loadBalancer)
        {
            chains.Services.Insert(at.LoadBalancer >= 0 ? at.LoadBalancer : chains.Services.Rules.Count - 1, loadBalancer);
        }
    }

    private sealed record NodeChains(Chain Services, Chain NodePorts, Chain External);

    /// <summary>Where a node's external rules of a Service go: the index in KUBE-NODEPORTS and in KUBE-SERVICES; -1: last.</summary>
    private readonly record struct ExternalRulePlaces(int NodePort, int LoadBalancer)
    {
        public static readonly ExternalRulePlaces Last = new(-1, -1);
    }

    public KubernetesCluster Cluster { get; }

    public IReadOnlyList<Service> Services => _live;

    /// <summary>Rules in KUBE-SERVICES: what a new connection to the last Service walks before its own.</summary>
    public int ServiceRules { get; private set; }

    /// <summary>Programs a Service with the endpoints its selector matches now.</summary>
    public void Add(Service service)
    {
        var endpoints = service.Endpoints(Cluster);
        _installed.Add(service);
        _live.Add(service);
        if (endpoints.Count == 0)
        {
            // No nat rule at all: the filter table rejects it ("has no endpoints"; the REJECT's ICMP is not
            // modelled, the packet is dropped).
            _filterServices.Append(new Rule
            {
                Destination = new Ipv4Prefix(service.ClusterIp, 32), Protocol = service.Protocol, DestinationPort = service.Port,
                Target = RuleTarget.Drop, Comment = $"{service.Name} has no endpoints",
            });
            return;
        }

        Program(service, endpoints, $"{_installed.Count:X8}");
    }

    /// <summary>The nat rules of a Service that has endpoints: KUBE-SVC-X, a KUBE-SEP per endpoint, its portals.</summary>
    private void Program(Service service, IReadOnlyList<Pod> endpoints, string id)
    {
        var svc = new Chain($"KUBE-SVC-{id}");
        _serviceChains[service] = svc;

        // Traffic to the ClusterIP from outside the pod network (a node's own processes) is masqueraded, so
        // that the reply comes back through this node.
        svc.Append(new Rule
        {
            Destination = new Ipv4Prefix(service.ClusterIp, 32), Protocol = service.Protocol, DestinationPort = service.Port,
            SourceNotIn = Cluster.PodNetwork, Target = RuleTarget.Jump, JumpTo = _markMasquerade,
        });
        var endpointChains = new Dictionary<Pod, Chain>();
        string sepPrefix = $"KUBE-SEP-{id}";
        for (int i = 0; i < endpoints.Count; i++)
        {
            endpointChains[endpoints[i]] = _endpointRules.Chain(sepPrefix, i, ChainNumberFormat.Hex4, endpoints[i], service);
        }

        KubeProxyRules.PickOne(svc, [.. endpointChains.Values], service);
        var shared = new Dictionary<string, Chain>(StringComparer.Ordinal); // a node's chains that other nodes' match
        if (ServiceTopology.IsPerNode(service))
        {
            AddTopologyPortals(service, id, svc, endpoints, endpointChains, shared);
        }
        else
        {
            AddToEveryNodesServices(Portal(service, svc));
        }

        if (service.NodePort is not null || service.LoadBalancerIp is not null)
        {
            AddExternal(service, id, svc, endpoints, endpointChains, shared);
        }

        ServiceRules += service.LoadBalancerIp is null ? 1 : 2;
    }

    /// <summary>
    /// A rule every node's KUBE-SERVICES gets alike, last before its KUBE-NODEPORTS jump: once, to the shared portals,
    /// while the nodes' chains agree; else into each node's own.
    /// </summary>
    private void AddToEveryNodesServices(Rule rule)
    {
        if (_portals is { Agree: true } portals)
        {
            portals.Append(rule);
            return;
        }

        foreach (var chains in _nodes.Values)
        {
            chains.Services.Insert(chains.Services.Rules.Count - 1, rule);
        }
    }

    /// <summary>Takes the rule <paramref name="match"/> picks out of every node's KUBE-SERVICES: once from the shared portals while it is one of them.</summary>
    private void RemoveFromEveryNodesServices(Func<Rule, bool> match)
    {
        if (_portals is { Agree: true } portals && portals.Remove(_nodes.Values.First().Services.Rules.First(match)))
        {
            return;
        }

        foreach (var chains in _nodes.Values)
        {
            chains.Services.Remove(chains.Services.Rules.First(match)); // a node's own copy: Chain.Remove detaches it first
        }
    }

    private static Rule Portal(Service service, Chain target) => new()
    {
        Destination = new Ipv4Prefix(service.ClusterIp, 32),
        Protocol = service.Protocol,
        DestinationPort = service.Port,
        Target = RuleTarget.Jump,
        JumpTo = target,
        Comment = $"{service.Name} cluster IP",
    };

    /// <summary>
    /// A Service whose cluster traffic each node sends to its own choice of endpoints (<see cref="ServiceTopology"/>):
    /// each node's KUBE-SERVICES portal jumps to a chain of that node's endpoints, as each node's kube-proxy writes
    /// its own (the proxier's internalTrafficChain): KUBE-SVL-X, this node's endpoints without the masquerade rule,
    /// for internalTrafficPolicy Local; KUBE-SVC-X with the zone's (or node's) endpoints for trafficDistribution.
    /// Nodes with the same choice share the chain. A node left without any endpoint (Local, none on it) has no
    /// portal but a DROP ("has no local endpoints"), which kube-proxy writes in the filter table's KUBE-SERVICES
    /// and which is written here at the portal, with the same effect on the packet.
    /// </summary>
    /// <param name="at">Where each node's portal goes when it is rewritten (where the old one stood, as kube-proxy writes the Services in the same order each sync); null: last, before the KUBE-NODEPORTS jump.</param>
    private void AddTopologyPortals(Service service, string id, Chain svc, IReadOnlyList<Pod> endpoints, Dictionary<Pod, Chain> endpointChains, Dictionary<string, Chain> shared,
        IReadOnlyDictionary<Node, int>? at = null)
    {
        foreach (var (node, chains) in _nodes)
        {
            Rule portal;
            if (service.InternalTrafficPolicy != InternalTrafficPolicy.Local)
            {
                portal = Portal(service, ClusterPolicyChain(service, id, svc, endpoints, endpointChains, node, shared));
            }
            else if (endpoints.Where(p => p.Node == node).ToList() is { Count: > 0 } local)
            {
                string key = "L:" + string.Join(',', local.Select(p => p.Name));
                if (!shared.TryGetValue(key, out var svl))
                {
                    svl = new Chain($"KUBE-SVL-{id}"); // no masquerade rule: the client's address reaches the pod
                    KubeProxyRules.PickOne(svl, [.. local.Select(p => endpointChains[p])], service);
                    shared[key] = svl;
                }

                portal = Portal(service, svl);
            }
            else
            {
                portal = new Rule
                {
                    Destination = new Ipv4Prefix(service.ClusterIp, 32), Protocol = service.Protocol, DestinationPort = service.Port,
                    Target = RuleTarget.Drop, Comment = $"{service.Name} has no local endpoints",
                };
            }

            chains.Services.Insert(at is not null && at[node] >= 0 ? at[node] : chains.Services.Rules.Count - 1, portal);
        }
    }

    /// <summary>
    /// The proxier's clusterPolicyChain on <paramref name="node"/>: KUBE-SVC-X, of every endpoint, or with a
    /// trafficDistribution, of the endpoints its hints leave this node (<see cref="ServiceTopology.ClusterEndpoints"/>),
    /// each node's kube-proxy writing its own; nodes with the same choice share the chain.
    /// </summary>
    private Chain ClusterPolicyChain(Service service, string id, Chain svc, IReadOnlyList<Pod> endpoints, Dictionary<Pod, Chain> endpointChains, Node node, Dictionary<string, Chain> shared)
    {
        var chosen = ServiceTopology.ClusterEndpoints(service, endpoints, node);
        if (chosen.Count == endpoints.Count)
        {
            return svc;
        }

        string key = "C:" + string.Join(',', chosen.Select(p => p.Name));
        if (!shared.TryGetValue(key, out var chain))
        {
            chain = new Chain($"KUBE-SVC-{id}");
            chain.Append(new Rule
            {
                Destination = new Ipv4Prefix(service.ClusterIp, 32), Protocol = service.Protocol, DestinationPort = service.Port,
                SourceNotIn = Cluster.PodNetwork, Target = RuleTarget.Jump, JumpTo = _markMasquerade,
            });
            KubeProxyRules.PickOne(chain, [.. chosen.Select(p => endpointChains[p])], service);
            shared[key] = chain;
        }

        return chain;
    }

    /// <summary>
    /// The ways in from outside, both through KUBE-EXT-X: the NodePort (a rule in KUBE-NODEPORTS) and the
    /// LoadBalancer IP (<c>-d LB-IP/32 -p tcp --dport PORT -j KUBE-EXT-X</c> in KUBE-SERVICES, right after the
    /// cluster IP's rule), so a packet to the LoadBalancer IP is served on whichever node it is delivered to.
    /// </summary>
    private void AddExternal(Service service, string id, Chain svc, IReadOnlyList<Pod> endpoints, Dictionary<Pod, Chain> endpointChains, Dictionary<string, Chain> shared,
        IReadOnlyDictionary<Node, ExternalRulePlaces>? at = null)
    {
        if (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Cluster)
        {
            // KUBE-EXT-X: every external packet is marked for masquerade, then the cluster policy chain (every
            // endpoint, or the ones a trafficDistribution leaves the node: one KUBE-EXT-X per such chain).
            var exts = new Dictionary<Chain, (Rule? NodePort, Rule? LoadBalancer)>();
            var byNode = new List<(Node Node, NodeChains Chains, (Rule? NodePort, Rule? LoadBalancer) Rules)>(_nodes.Count);
            foreach (var (node, chains) in _nodes)
            {
                var policy = ClusterPolicyChain(service, id, svc, endpoints, endpointChains, node, shared);
                if (!exts.TryGetValue(policy, out var rules))
                {
                    var ext = new Chain($"KUBE-EXT-{id}");
                    ext.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _markMasquerade, Comment = "masquerade traffic for the service from outside the cluster" });
                    ext.Append(new Rule { Target = RuleTarget.Jump, JumpTo = policy });
                    rules = ExternalRules(service, ext);
                    exts[policy] = rules;
                }

                byNode.Add((node, chains, rules));
            }

            // One KUBE-EXT-X for every node: its LoadBalancer IP rule is the same on each, added to every node's
            // KUBE-SERVICES at once (after the Service's own portal, as on each node).
            bool oneLoadBalancerRule = at is null && exts.Count == 1 && byNode.Count > 0 && byNode[0].Rules.LoadBalancer is not null;
            if (oneLoadBalancerRule)
            {
                AddToEveryNodesServices(byNode[0].Rules.LoadBalancer!);
            }

            foreach (var (node, chains, rules) in byNode)
            {
                AddExternalRules(oneLoadBalancerRule ? (rules.NodePort, null) : rules, chains, at?[node] ?? ExternalRulePlaces.Last);
            }

            return;
        }

        foreach (var (node, chains) in _nodes)
        {
            // KUBE-EXT-X for Local: pods and the node itself may use the cluster policy chain's endpoints (the
            // node's own traffic masqueraded); external clients only this node's endpoints, through KUBE-SVL-X,
            // unmasqueraded.
            var policy = ClusterPolicyChain(service, id, svc, endpoints, endpointChains, node, shared);
            var ext = new Chain($"KUBE-EXT-{id}");
            ext.Append(new Rule { Source = Cluster.PodNetwork, Target = RuleTarget.Jump, JumpTo = policy, Comment = "pod traffic for external destinations" });
            ext.Append(new Rule { SourceIsLocal = true, Target = RuleTarget.Jump, JumpTo = _markMasquerade, Comment = "masquerade LOCAL traffic" });
            ext.Append(new Rule { SourceIsLocal = true, Target = RuleTarget.Jump, JumpTo = policy, Comment = "route LOCAL traffic to cluster-wide endpoints" });
            AddExternalRules(ExternalRules(service, ext), chains, at?[node] ?? ExternalRulePlaces.Last);

            var local = endpoints.Where(p => p.Node == node).ToList();
            if (local.Count == 0)
            {
                // No local endpoint: what is left (external clients) the filter table drops (KUBE-EXTERNAL-SERVICES).
                if (service.NodePort is { } nodePort)
                {
                    chains.External.Append(new Rule { DestinationIsLocal = true, Protocol = service.Protocol, DestinationPort = nodePort, Target = RuleTarget.Drop, Comment = $"{service.Name} has no local endpoints" });
                }

                if (service.LoadBalancerIp is { } lbIp)
                {
                    chains.External.Append(new Rule { Destination = new Ipv4Prefix(lbIp, 32), Protocol = service.Protocol, DestinationPort = service.Port, Target = RuleTarget.Drop, Comment = $"{service.Name} has no local endpoints" });
                }

                continue;
            }

            // KUBE-SVL-X: this node's endpoints only, no masquerade: the client's address reaches the pod.
            var svl = new Chain($"KUBE-SVL-{id}");
            KubeProxyRules.PickOne(svl, [.. local.Select(p => endpointChains[p])], service);

            ext.Append(new Rule { Target = RuleTarget.Jump, JumpTo = svl });
        }
    }
}
