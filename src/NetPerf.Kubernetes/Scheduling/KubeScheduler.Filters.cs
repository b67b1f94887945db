using System.Globalization;

namespace NetPerf.Kubernetes.Scheduling;

public sealed partial class KubeScheduler
{
    /// <summary>
    /// One pod's filter cycle: what the PreFilter steps count once over every node (spread domains, affinity
    /// counts), then each node through the filters in the default profile's order, the first refusal kept.
    /// </summary>
    private sealed class FilterState
    {
        private readonly SchedulingPod _pod;
        private readonly List<TopologySpreadConstraint> _hardSpread;
        private readonly List<Dictionary<string, int>> _spreadCounts = [];
        private readonly List<int> _spreadMinimum = [];
        private readonly Dictionary<(string Key, string Value), int> _affinityCounts = [];
        private readonly Dictionary<(string Key, string Value), int> _antiAffinityCounts = [];
        private readonly HashSet<(string Key, string Value)> _existingAntiAffinity = [];

        public FilterState(KubeScheduler scheduler, SchedulingPod pod)
        {
            _pod = pod;
            _hardSpread = pod.TopologySpreadConstraints.Where(c => c.DoNotSchedule).ToList();
            CountSpread(scheduler._nodes);
            if (scheduler._podsWithAffinity > 0 || HasAffinity(pod))
            {
                CountAffinity(scheduler._nodes);
            }
        }

        public FilterStatus? Run(NodeState node) =>
            TaintToleration(node) ?? NodeAffinity(node) ?? NodeResourcesFit(node) ?? PodTopologySpread(node) ?? InterPodAffinity(node);

        /// <summary>tainttoleration: the node's first NoSchedule or NoExecute taint no toleration tolerates.</summary>
        private FilterStatus? TaintToleration(NodeState node)
        {
            foreach (var taint in node.Node.Taints)
            {
                if (taint.Effect != TaintEffect.PreferNoSchedule && !_pod.Tolerations.Any(t => t.Tolerates(taint)))
                {
                    return FilterStatus.UnschedulableAndUnresolvable(string.Format(CultureInfo.InvariantCulture, SchedulerMessages.UntoleratedTaint, taint.Key, taint.Value));
                }
            }

            return null;
        }

        private FilterStatus? NodeAffinity(NodeState node) =>
            MatchesRequiredNodeAffinity(_pod, node.Labels) ? null : FilterStatus.UnschedulableAndUnresolvable(SchedulerMessages.NodeAffinityMismatch);

        /// <summary>noderesources fitsRequest: pods, then cpu, then memory, each a reason of its own; a request larger than the whole node is unresolvable (v1.34, kubernetes#131345).</summary>
        private FilterStatus? NodeResourcesFit(NodeState node)
        {
            var a = node.Node.Allocatable;
            var reasons = new List<string>(3);
            bool unresolvable = false;
            if (node.Pods.Count + 1 > a.Pods)
            {
                reasons.Add(SchedulerMessages.TooManyPods);
            }

            long cpu = _pod.MilliCpuRequest, memory = _pod.MemoryRequest;
            if (cpu > 0 && cpu > a.MilliCpu - node.MilliCpu)
            {
                reasons.Add(SchedulerMessages.InsufficientCpu);
                unresolvable |= cpu > a.MilliCpu;
            }

            if (memory > 0 && memory > a.MemoryBytes - node.Memory)
            {
                reasons.Add(SchedulerMessages.InsufficientMemory);
                unresolvable |= memory > a.MemoryBytes;
            }

            return reasons.Count == 0 ? null : new FilterStatus(unresolvable, reasons);
        }

        /// <summary>podtopologyspread Filter: matching pods in the node's domain, plus this pod if it matches, less the emptiest domain's, at most maxSkew.</summary>
        private FilterStatus? PodTopologySpread(NodeState node)
        {
            for (int i = 0; i < _hardSpread.Count; i++)
            {
                var c = _hardSpread[i];
                if (!node.Labels.TryGetValue(c.TopologyKey, out var value))
                {
                    return FilterStatus.UnschedulableAndUnresolvable(SchedulerMessages.SpreadMissingLabel);
                }

                int self = c.Selector.Matches(_pod.Labels) ? 1 : 0;
                int skew = _spreadCounts[i].GetValueOrDefault(value) + self - _spreadMinimum[i];
                if (skew > c.MaxSkew)
                {
                    return FilterStatus.Unschedulable(SchedulerMessages.SpreadConstraintsMismatch);
                }
            }

            return null;
        }

        /// <summary>interpodaffinity Filter: the pod's affinity, then its anti-affinity, then the existing pods' anti-affinity.</summary>
        private FilterStatus? InterPodAffinity(NodeState node)
        {
            if (!SatisfiesAffinity(node))
            {
                return FilterStatus.UnschedulableAndUnresolvable(SchedulerMessages.AffinityMismatch);
            }

            foreach (var term in _pod.RequiredPodAntiAffinity)
            {
                if (node.Labels.TryGetValue(term.TopologyKey, out var v) && _antiAffinityCounts.GetValueOrDefault((term.TopologyKey, v)) > 0)
                {
                    return FilterStatus.Unschedulable(SchedulerMessages.AntiAffinityMismatch);
                }
            }

            foreach (var (key, value) in node.Labels)
            {
                if (_existingAntiAffinity.Contains((key, value)))
                {
                    return FilterStatus.Unschedulable(SchedulerMessages.ExistingAntiAffinityMismatch);
                }
            }

            return null;
        }

        /// <summary>
        /// satisfyPodAffinity: every term's topology on the node must hold a pod matching all the terms; the first
        /// pod of a group with affinity to itself passes when no pod anywhere matches yet.
        /// </summary>
        private bool SatisfiesAffinity(NodeState node)
        {
            bool podsExist = true;
            foreach (var term in _pod.RequiredPodAffinity)
            {
                if (!node.Labels.TryGetValue(term.TopologyKey, out var v))
                {
                    return false;
                }

                if (_affinityCounts.GetValueOrDefault((term.TopologyKey, v)) <= 0)
                {
                    podsExist = false;
                }
            }

            return podsExist || (_affinityCounts.Count == 0 && _pod.RequiredPodAffinity.All(t => t.Selects(_pod, _pod)));
        }

        /// <summary>
        /// podtopologyspread PreFilter: the domains are the values of each key on nodes that match the pod's node
        /// affinity and selector (nodeAffinityPolicy Honor) and carry every key; each counts the matching pods of
        /// the pod's namespace on its nodes.
        /// </summary>
        private void CountSpread(List<NodeState> nodes)
        {
            foreach (var c in _hardSpread)
            {
                var counts = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var node in nodes)
                {
                    if (!MatchesRequiredNodeAffinity(_pod, node.Labels) || !_hardSpread.All(k => node.Labels.ContainsKey(k.TopologyKey)))
                    {
                        continue;
                    }

                    string value = node.Labels[c.TopologyKey];
                    counts[value] = counts.GetValueOrDefault(value) + CountMatching(node, c.Selector, _pod.Namespace);
                }

                _spreadCounts.Add(counts);
                _spreadMinimum.Add(counts.Count == 0 ? 0 : counts.Values.Min());
            }
        }

        /// <summary>interpodaffinity PreFilter: the incoming pod's (anti-)affinity counts and the existing pods' anti-affinity towards it.</summary>
        private void CountAffinity(List<NodeState> nodes)
        {
            foreach (var node in nodes)
            {
                foreach (var existing in node.Pods)
                {
                    if (_pod.RequiredPodAffinity.Count > 0 && _pod.RequiredPodAffinity.All(t => t.Selects(existing, _pod)))
                    {
                        foreach (var term in _pod.RequiredPodAffinity)
                        {
                            if (node.Labels.TryGetValue(term.TopologyKey, out var v))
                            {
                                _affinityCounts[(term.TopologyKey, v)] = _affinityCounts.GetValueOrDefault((term.TopologyKey, v)) + 1;
                            }
                        }
                    }

                    foreach (var term in _pod.RequiredPodAntiAffinity)
                    {
                        if (term.Selects(existing, _pod) && node.Labels.TryGetValue(term.TopologyKey, out var v))
                        {
                            _antiAffinityCounts[(term.TopologyKey, v)] = _antiAffinityCounts.GetValueOrDefault((term.TopologyKey, v)) + 1;
                        }
                    }

                    foreach (var term in existing.RequiredPodAntiAffinity)
                    {
                        if (term.Selects(_pod, existing) && node.Labels.TryGetValue(term.TopologyKey, out var v))
                        {
                            _existingAntiAffinity.Add((term.TopologyKey, v));
                        }
                    }
                }
            }
        }
    }

    /// <summary>nodeaffinity's RequiredNodeAffinity: every nodeSelector label, and (when given) one of the required terms.</summary>
    internal static bool MatchesRequiredNodeAffinity(SchedulingPod pod, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in pod.NodeSelector)
        {
            if (!labels.TryGetValue(key, out var have) || have != value)
            {
                return false;
            }
        }

        return pod.RequiredNodeAffinity.Count == 0 || pod.RequiredNodeAffinity.Any(t => t.Matches(labels));
    }

    /// <summary>countPodsMatchSelector: the node's pods of <paramref name="ns"/> that the selector matches.</summary>
    internal static int CountMatching(NodeState node, LabelSelector selector, string ns) => node.CountMatching(selector, ns);
}
