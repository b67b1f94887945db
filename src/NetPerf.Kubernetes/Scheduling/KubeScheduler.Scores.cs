namespace NetPerf.Kubernetes.Scheduling;

public sealed partial class KubeScheduler
{
    /// <summary>The default profile's score weights (pkg/scheduler/apis/config/v1/default_plugins.go, v1.34).</summary>
    internal const int TaintTolerationWeight = 3, NodeAffinityWeight = 2, NodeResourcesFitWeight = 1,
        PodTopologySpreadWeight = 2, InterPodAffinityWeight = 2, BalancedAllocationWeight = 1;

    /// <summary>The system default constraints (plugins/podtopologyspread/plugin.go systemDefaultConstraints): ScheduleAnyway, hostname maxSkew 3, zone maxSkew 5.</summary>
    internal static readonly (string Key, int MaxSkew)[] SystemDefaultSpread = [(SchedulingNode.HostnameLabel, 3), (SchedulingNode.ZoneLabel, 5)];

    /// <summary>InterPodAffinityArgs.HardPodAffinityWeight's default: an existing pod's required affinity counts 1 towards the pods it selects.</summary>
    internal const int HardPodAffinityWeight = 1;

    /// <summary>One pod's scores over the feasible nodes: each plugin's, normalised as the plugin normalises, weighted and summed.</summary>
    private sealed class Scoring(KubeScheduler scheduler, SchedulingPod pod, List<NodeState> feasible)
    {
        public long[] Totals()
        {
            var totals = new long[feasible.Count];
            Add(totals, TaintToleration(), TaintTolerationWeight);
            Add(totals, NodeAffinity(), NodeAffinityWeight);
            Add(totals, LeastAllocated(), NodeResourcesFitWeight);
            Add(totals, PodTopologySpread(), PodTopologySpreadWeight);
            Add(totals, InterPodAffinity(), InterPodAffinityWeight);
            Add(totals, BalancedAllocation(), BalancedAllocationWeight);
            return totals;
        }

        private static void Add(long[] totals, long[]? scores, int weight)
        {
            if (scores is null)
            {
                return; // the plugin's PreScore returned Skip
            }

            for (int i = 0; i < totals.Length; i++)
            {
                totals[i] += scores[i] * weight;
            }
        }

        /// <summary>tainttoleration Score: PreferNoSchedule taints not tolerated, fewer is better (DefaultNormalizeScore reversed).</summary>
        private long[] TaintToleration()
        {
            var tolerations = pod.Tolerations.Where(t => t.Effect is null or TaintEffect.PreferNoSchedule).ToList();
            var scores = feasible.Select(n => (long)n.Node.Taints.Count(t => t.Effect == TaintEffect.PreferNoSchedule && !tolerations.Any(x => x.Tolerates(t)))).ToArray();
            return DefaultNormalize(scores, reverse: true);
        }

        /// <summary>nodeaffinity Score: the weights of the preferred terms the node matches (DefaultNormalizeScore).</summary>
        private long[]? NodeAffinity()
        {
            if (pod.PreferredNodeAffinity.Count == 0)
            {
                return null;
            }

            var scores = feasible.Select(n => (long)pod.PreferredNodeAffinity.Where(p => p.Preference.Matches(n.Labels)).Sum(p => p.Weight)).ToArray();
            return DefaultNormalize(scores, reverse: false);
        }

        /// <summary>
        /// noderesources LeastAllocated over cpu and memory (weight 1 each): (allocatable - requested) x 100 /
        /// allocatable per resource, integer division, averaged; requested counts unset requests at their defaults.
        /// </summary>
        private long[] LeastAllocated() => feasible.Select(n =>
        {
            var a = n.Node.Allocatable;
            long sum = 0, weights = 0;
            foreach (var (requested, allocatable) in new[] { (n.NonZeroMilliCpu + pod.NonZeroMilliCpu, a.MilliCpu), (n.NonZeroMemory + pod.NonZeroMemory, a.MemoryBytes) })
            {
                if (allocatable == 0)
                {
                    continue;
                }

                sum += requested > allocatable ? 0 : (allocatable - requested) * MaxNodeScore / allocatable;
                weights++;
            }

            return weights == 0 ? 0 : sum / weights;
        }).ToArray();

        /// <summary>
        /// noderesources BalancedAllocation: 1 - the spread of the cpu and memory fractions requested (|f1 - f2| / 2
        /// for two), x 100; set requests only. Skipped for a pod that requests nothing (kubernetes#129138).
        /// </summary>
        private long[]? BalancedAllocation()
        {
            if (pod.MilliCpuRequest == 0 && pod.MemoryRequest == 0)
            {
                return null;
            }

            return feasible.Select(n =>
            {
                var a = n.Node.Allocatable;
                var fractions = new List<double>(2);
                if (a.MilliCpu > 0)
                {
                    fractions.Add(Math.Min(1.0, (double)(n.MilliCpu + pod.MilliCpuRequest) / a.MilliCpu));
                }

                if (a.MemoryBytes > 0)
                {
                    fractions.Add(Math.Min(1.0, (double)(n.Memory + pod.MemoryRequest) / a.MemoryBytes));
                }

                double std = fractions.Count == 2 ? Math.Abs((fractions[0] - fractions[1]) / 2) : 0;
                return (long)((1 - std) * MaxNodeScore);
            }).ToArray();
        }

        /// <summary>
        /// podtopologyspread Score: per constraint, the matching pods in the node's domain x log(domains + 2) +
        /// (maxSkew - 1), summed and rounded; then normalised so the emptiest gets 100:
        /// 100 x (max + min - score) / max. With the pod's own ScheduleAnyway constraints, nodes lacking a key are
        /// ignored (score 0); with the system defaults they are not (a node without a zone still spreads by hostname).
        /// </summary>
        private long[]? PodTopologySpread()
        {
            List<(string Key, int MaxSkew, LabelSelector Selector)> constraints;
            bool requireAll;
            if (pod.TopologySpreadConstraints.Count > 0)
            {
                constraints = pod.TopologySpreadConstraints.Where(c => !c.DoNotSchedule).Select(c => (c.TopologyKey, c.MaxSkew, c.Selector)).ToList();
                requireAll = true;
            }
            else if (pod.DefaultSpreadSelector is { } selector)
            {
                constraints = SystemDefaultSpread.Select(d => (d.Key, d.MaxSkew, selector)).ToList();
                requireAll = false;
            }
            else
            {
                return null;
            }

            if (constraints.Count == 0)
            {
                return null;
            }

            var ignored = new bool[feasible.Count];
            var pairs = new Dictionary<(string, string), long>();
            var domains = new int[constraints.Count];
            for (int n = 0; n < feasible.Count; n++)
            {
                var labels = feasible[n].Labels;
                if (requireAll && !constraints.All(c => labels.ContainsKey(c.Key)))
                {
                    ignored[n] = true;
                    continue;
                }

                for (int i = 0; i < constraints.Count; i++)
                {
                    if (constraints[i].Key == SchedulingNode.HostnameLabel)
                    {
                        continue; // per-node counts are taken in Score
                    }

                    var pair = (constraints[i].Key, labels.GetValueOrDefault(constraints[i].Key, ""));
                    if (pairs.TryAdd(pair, 0))
                    {
                        domains[i]++;
                    }
                }
            }

            int counted = ignored.Count(x => !x);
            var weights = constraints.Select((c, i) => Math.Log((c.Key == SchedulingNode.HostnameLabel ? counted : domains[i]) + 2)).ToArray();

            // Every node's matching pods count towards its domain, if that domain is a feasible node's (nodeAffinityPolicy Honor).
            foreach (var node in scheduler._nodes)
            {
                if (!MatchesRequiredNodeAffinity(pod, node.Labels) || (requireAll && !constraints.All(c => node.Labels.ContainsKey(c.Key))))
                {
                    continue;
                }

                foreach (var c in constraints)
                {
                    var pair = (c.Key, node.Labels.GetValueOrDefault(c.Key, ""));
                    if (pairs.ContainsKey(pair))
                    {
                        pairs[pair] += CountMatching(node, c.Selector, pod.Namespace);
                    }
                }
            }

            var raw = new long[feasible.Count];
            for (int n = 0; n < feasible.Count; n++)
            {
                if (ignored[n])
                {
                    continue;
                }

                double score = 0;
                for (int i = 0; i < constraints.Count; i++)
                {
                    var c = constraints[i];
                    if (!feasible[n].Labels.TryGetValue(c.Key, out var value))
                    {
                        continue;
                    }

                    long count = c.Key == SchedulingNode.HostnameLabel ? CountMatching(feasible[n], c.Selector, pod.Namespace) : pairs[(c.Key, value)];
                    score += count * weights[i] + (c.MaxSkew - 1);
                }

                raw[n] = (long)Math.Round(score, MidpointRounding.AwayFromZero); // Go's math.Round rounds half away from zero
            }

            long min = long.MaxValue, max = 0;
            for (int n = 0; n < feasible.Count; n++)
            {
                if (!ignored[n])
                {
                    min = Math.Min(min, raw[n]);
                    max = Math.Max(max, raw[n]);
                }
            }

            var scores = new long[feasible.Count];
            for (int n = 0; n < feasible.Count; n++)
            {
                scores[n] = ignored[n] ? 0 : max == 0 ? MaxNodeScore : MaxNodeScore * (max + min - raw[n]) / max;
            }

            return scores;
        }

        /// <summary>
        /// interpodaffinity Score: per topology value, the incoming pod's preferred (anti-)affinity weights for the
        /// pods there, plus the existing pods' required affinity (weight 1) and preferred (anti-)affinity towards
        /// it; normalised to 0-100 between the lowest and the highest.
        /// </summary>
        private long[]? InterPodAffinity()
        {
            if (pod.PreferredPodAffinity.Count == 0 && pod.PreferredPodAntiAffinity.Count == 0 && scheduler._podsWithAffinity == 0)
            {
                return null;
            }

            var topology = new Dictionary<(string, string), long>();
            void Credit(PodAffinityTerm term, long weight, SchedulingPod matched, SchedulingPod owner, NodeState node)
            {
                if (term.Selects(matched, owner) && node.Labels.TryGetValue(term.TopologyKey, out var v))
                {
                    topology[(term.TopologyKey, v)] = topology.GetValueOrDefault((term.TopologyKey, v)) + weight;
                }
            }

            foreach (var node in scheduler._nodes)
            {
                foreach (var existing in node.Pods)
                {
                    foreach (var t in pod.PreferredPodAffinity)
                    {
                        Credit(t.Term, t.Weight, existing, pod, node);
                    }

                    foreach (var t in pod.PreferredPodAntiAffinity)
                    {
                        Credit(t.Term, -t.Weight, existing, pod, node);
                    }

                    foreach (var t in existing.RequiredPodAffinity)
                    {
                        Credit(t, HardPodAffinityWeight, pod, existing, node);
                    }

                    foreach (var t in existing.PreferredPodAffinity)
                    {
                        Credit(t.Term, t.Weight, pod, existing, node);
                    }

                    foreach (var t in existing.PreferredPodAntiAffinity)
                    {
                        Credit(t.Term, -t.Weight, pod, existing, node);
                    }
                }
            }

            if (topology.Count == 0)
            {
                return null;
            }

            var raw = feasible.Select(n => n.Labels.Sum(l => topology.GetValueOrDefault((l.Key, l.Value)))).ToArray();
            long min = raw.Min(), max = raw.Max(), diff = max - min;
            return raw.Select(s => diff > 0 ? (long)(MaxNodeScore * ((double)(s - min) / diff)) : 0).ToArray();
        }

        /// <summary>framework helper DefaultNormalizeScore: scale to 100 by the highest; reversed, 100 less that.</summary>
        private static long[] DefaultNormalize(long[] scores, bool reverse)
        {
            long max = scores.Length == 0 ? 0 : scores.Max();
            if (max == 0)
            {
                return reverse ? scores.Select(_ => MaxNodeScore).ToArray() : scores;
            }

            return scores.Select(s => reverse ? MaxNodeScore - MaxNodeScore * s / max : MaxNodeScore * s / max).ToArray();
        }
    }
}
