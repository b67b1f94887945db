namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// kube-scheduler v1.34's default profile, one pod at a time in the order given (PrioritySort with every pod at
/// priority 0 is creation order). Each pod runs the default plugins' filters in their configured order
/// (pkg/scheduler/apis/config/v1/default_plugins.go): TaintToleration, NodeAffinity, NodeResourcesFit,
/// PodTopologySpread, InterPodAffinity, a node failing at the first that refuses it; then, on the nodes left,
/// the scores with their default weights: TaintToleration 3, NodeAffinity 2, NodeResourcesFit (LeastAllocated) 1,
/// PodTopologySpread 2 (with the system default constraints when the pod has none of its own), InterPodAffinity 2,
/// NodeResourcesBalancedAllocation 1. The highest total wins; equal totals are broken at random as selectHost
/// does (schedule_one.go), with the scenario seed's stream, so a seed gives one placement. A pod no node passes
/// is Pending with FitError's message. Every node is considered (percentageOfNodesToScore only trims clusters of
/// more than 100 nodes, which the message's counts would then show). Not modelled: priorities and actual
/// preemption, host ports, volumes, node conditions and unschedulable nodes, minDomains, matchLabelKeys,
/// namespaceSelector, and image locality (no images: a score of 0 on every node).
/// </summary>
/// <remarks>
/// The IPAM of the CNI plugin is not a scheduler filter: the kubelet runs the plugin's ADD after binding, and a
/// node without a free address leaves its pod ContainerCreating (<see cref="IPodAddressAllocator"/>).
/// </remarks>
public sealed partial class KubeScheduler
{
    /// <summary>framework.MaxNodeScore.</summary>
    internal const long MaxNodeScore = 100;

    private readonly List<NodeState> _nodes;
    private readonly System.Random _ties;
    private readonly IPodAddressAllocator? _ipam;
    private readonly List<PodPlacement> _placements = [];

    /// <param name="ties">The stream equal scores are broken with (the scenario seed's; kube-scheduler uses math/rand).</param>
    /// <param name="ipam">The CNI's IPAM, asked for an address after binding; null: addresses never run out.</param>
    public KubeScheduler(IEnumerable<SchedulingNode> nodes, System.Random ties, IPodAddressAllocator? ipam = null)
    {
        _nodes = nodes.Select(n => new NodeState(n)).ToList();
        if (_nodes.Select(n => n.Node.Name).Distinct(StringComparer.Ordinal).Count() != _nodes.Count)
        {
            throw new ArgumentException("node names must be unique.", nameof(nodes));
        }

        _ties = ties;
        _ipam = ipam;
    }

    /// <summary>Every pod placed so far, in order.</summary>
    public IReadOnlyList<PodPlacement> Placements => _placements;

    /// <summary>The pods bound to <paramref name="node"/>.</summary>
    public IEnumerable<SchedulingPod> PodsOn(string node) => Find(node).Pods;

    /// <summary>Schedules <paramref name="pod"/>, binds it and asks IPAM for its address.</summary>
    public PodPlacement Schedule(SchedulingPod pod)
    {
        if (_nodes.Count == 0)
        {
            return Record(new PodPlacement(pod, null, PlacementOutcome.Pending, SchedulerMessages.NoNodesAvailable));
        }

        var statuses = new FilterStatus[_nodes.Count];
        var feasible = new List<NodeState>();
        var filter = new FilterState(this, pod);
        for (int i = 0; i < _nodes.Count; i++)
        {
            if (filter.Run(_nodes[i]) is { } refused)
            {
                statuses[i] = refused;
            }
            else
            {
                feasible.Add(_nodes[i]);
            }
        }

        if (feasible.Count == 0)
        {
            return Record(new PodPlacement(pod, null, PlacementOutcome.Pending, SchedulingDiagnosis.Message(statuses)));
        }

        // schedulePod: one feasible node is taken without scoring.
        var chosen = feasible.Count == 1 ? feasible[0] : Best(pod, feasible);
        return BindTo(pod, chosen);
    }

    /// <summary>
    /// Binds <paramref name="pod"/> to <paramref name="node"/> without scheduling it, as for a pod whose spec names
    /// its node (spec.nodeName: the kubelet admits it; kube-scheduler never sees it). It counts for every later pod.
    /// </summary>
    public PodPlacement Bind(SchedulingPod pod, string node) => BindTo(pod, Find(node));

    /// <summary>Bound pods with any pod (anti-)affinity term: while there are none, the affinity plugins have nothing to count.</summary>
    private int _podsWithAffinity;

    private static bool HasAffinity(SchedulingPod p) =>
        p.RequiredPodAffinity.Count > 0 || p.RequiredPodAntiAffinity.Count > 0 || p.PreferredPodAffinity.Count > 0 || p.PreferredPodAntiAffinity.Count > 0;

    private PodPlacement BindTo(SchedulingPod pod, NodeState node)
    {
        node.Add(pod);
        if (HasAffinity(pod))
        {
            _podsWithAffinity++;
        }

        if (_ipam is { } ipam && !ipam.TryAllocate(node.Node.Name, out string? failure))
        {
            return Record(new PodPlacement(pod, node.Node.Name, PlacementOutcome.ContainerCreating, failure));
        }

        return Record(new PodPlacement(pod, node.Node.Name, PlacementOutcome.Running, null));
    }

    private PodPlacement Record(PodPlacement placement)
    {
        _placements.Add(placement);
        return placement;
    }

    private NodeState Find(string node) =>
        _nodes.Find(n => n.Node.Name == node) ?? throw new ArgumentException($"no node {node}.", nameof(node));

    /// <summary>selectHost: the highest total; among equals, one chosen uniformly (reservoir sampling there, an index here: the same odds).</summary>
    private NodeState Best(SchedulingPod pod, List<NodeState> feasible)
    {
        long[] totals = new Scoring(this, pod, feasible).Totals();
        long best = totals.Max();
        var top = feasible.Where((_, i) => totals[i] == best).ToList();
        return top.Count == 1 ? top[0] : top[_ties.Next(top.Count)];
    }

    /// <summary>Selectors by reference (a controller's replicas share one instance), namespaces by value.</summary>
    private sealed class SelectorKeyComparer : IEqualityComparer<(LabelSelector Selector, string Namespace)>
    {
        public static readonly SelectorKeyComparer Instance = new();

        public bool Equals((LabelSelector Selector, string Namespace) x, (LabelSelector Selector, string Namespace) y) =>
            ReferenceEquals(x.Selector, y.Selector) && x.Namespace == y.Namespace;

        public int GetHashCode((LabelSelector Selector, string Namespace) key) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(key.Selector), key.Namespace);
    }

    /// <summary>framework.NodeInfo, as far as the plugins here read it.</summary>
    internal sealed class NodeState(SchedulingNode node)
    {
        public SchedulingNode Node { get; } = node;
        public List<SchedulingPod> Pods { get; } = [];

        /// <summary>NodeInfo.Requested: the sum of the pods' set requests.</summary>
        public long MilliCpu { get; private set; }
        public long Memory { get; private set; }

        /// <summary>NodeInfo.NonZeroRequested: unset requests counted at their defaults.</summary>
        public long NonZeroMilliCpu { get; private set; }
        public long NonZeroMemory { get; private set; }

        public IReadOnlyDictionary<string, string> Labels => Node.Labels;

        /// <summary>Pods matching a selector in a namespace, kept current as pods are added (every replica of a controller shares its selector).</summary>
        private readonly Dictionary<(LabelSelector Selector, string Namespace), int> _matching = new(SelectorKeyComparer.Instance);

        public int CountMatching(LabelSelector selector, string ns)
        {
            if (!_matching.TryGetValue((selector, ns), out int n))
            {
                n = Pods.Count(p => p.Namespace == ns && selector.Matches(p.Labels));
                _matching[(selector, ns)] = n;
            }

            return n;
        }

        public void Add(SchedulingPod pod)
        {
            foreach (var key in _matching.Keys.ToList())
            {
                if (key.Namespace == pod.Namespace && key.Selector.Matches(pod.Labels))
                {
                    _matching[key]++;
                }
            }

            Pods.Add(pod);
            MilliCpu += pod.MilliCpuRequest;
            Memory += pod.MemoryRequest;
            NonZeroMilliCpu += pod.NonZeroMilliCpu;
            NonZeroMemory += pod.NonZeroMemory;
        }
    }
}
