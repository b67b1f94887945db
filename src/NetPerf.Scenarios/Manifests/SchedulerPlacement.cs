using k8s.Models;
using NetPerf.Kubernetes.Scheduling;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Manifests;

/// <summary>
/// The manifests' pods placed by the kube-scheduler model (<see cref="KubeScheduler"/>): each pod spec's
/// requests, nodeSelector, node affinity, pod (anti-)affinity, tolerations and topologySpreadConstraints, with the
/// default system spread over its workload's pods, against each node's allocatable cpu, memory and pods (the
/// scenario's cores, cluster.memoryGiBPerNode less the kubelet's eviction threshold, and the kubelet's pods rule,
/// as <see cref="ScenarioPlacement.Nodes"/> gives them to the scenario's own deployments). NetPerf's measured pods are bound first
/// (client and web-0 on node 1, web-1 and CoreDNS on node 2), as they are in every cluster. Ties are broken with a
/// stream of the scenario's seed.
/// </summary>
public sealed class SchedulerPlacement(ulong seed) : IPodPlacement
{
    public IReadOnlyList<PlacementResult> Place(IReadOnlyList<ManifestPod> pods, IReadOnlyList<PlacementNode> nodes)
    {
        var scheduler = new KubeScheduler(nodes.Select(n => new SchedulingNode(n.Name, n.Labels, n.Taints, n.Allocatable)), new Random(unchecked((int)seed ^ (int)(seed >> 32))));
        for (int i = 0; i < ClusterLayout.PodNames.Count; i++)
        {
            int node = ClusterLayout.MeasuredPodNodes[i];
            if (node <= nodes.Count)
            {
                scheduler.Bind(new SchedulingPod(ClusterLayout.PodNames[i]), nodes[node - 1].Name);
            }
        }

        var results = new PlacementResult[pods.Count];
        for (int i = 0; i < pods.Count; i++)
        {
            var pod = pods[i];
            SchedulingPod spec;
            try
            {
                spec = Pod(pod);
            }
            catch (ArgumentException e)
            {
                results[i] = PlacementResult.Unschedulable(e.Message);
                continue;
            }

            var placed = pod.BoundNode is { } bound ? scheduler.Bind(spec, nodes[bound - 1].Name) : scheduler.Schedule(spec);
            results[i] = placed.IsRunning && nodes.FirstOrDefault(n => n.Name == placed.Node) is { } on
                ? PlacementResult.On(on.Number)
                : PlacementResult.Unschedulable(placed.Message ?? "unschedulable");
        }

        return results;
    }

    private static SchedulingPod Pod(ManifestPod pod)
    {
        var spec = pod.Spec;
        var affinity = spec.Affinity;
        return new SchedulingPod(pod.ClusterName)
        {
            Namespace = pod.Namespace,
            Labels = pod.Labels,
            Containers = [.. (spec.Containers ?? []).Select(c => new ContainerRequests(MilliCpu(c.Resources?.Requests), Bytes(c.Resources?.Requests)))],
            NodeSelector = spec.NodeSelector is { } ns ? new Dictionary<string, string>(ns) : new Dictionary<string, string>(),
            RequiredNodeAffinity = [.. (affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? []).Select(Term)],
            PreferredNodeAffinity = [.. (affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? []).Select(p => new WeightedNodeSelectorTerm(p.Weight, Term(p.Preference)))],
            RequiredPodAffinity = [.. (affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution ?? []).Select(AffinityTerm)],
            RequiredPodAntiAffinity = [.. (affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution ?? []).Select(AffinityTerm)],
            PreferredPodAffinity = [.. (affinity?.PodAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? []).Select(w => new WeightedPodAffinityTerm(w.Weight, AffinityTerm(w.PodAffinityTerm)))],
            PreferredPodAntiAffinity = [.. (affinity?.PodAntiAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? []).Select(w => new WeightedPodAffinityTerm(w.Weight, AffinityTerm(w.PodAffinityTerm)))],
            TopologySpreadConstraints = [.. (spec.TopologySpreadConstraints ?? []).Select(t => new TopologySpreadConstraint(t.MaxSkew, t.TopologyKey, t.WhenUnsatisfiable == "DoNotSchedule", Selector(t.LabelSelector)))],
            Tolerations = [.. (spec.Tolerations ?? []).Select(Tolerate)],
            // The default system spread counts the pods of the same workload (its ReplicaSet's or StatefulSet's selector).
            DefaultSpreadSelector = pod.Owner.StartsWith("pod/", StringComparison.Ordinal) ? null : LabelSelector.Of(pod.Labels),
        };
    }

    private static long? MilliCpu(IDictionary<string, ResourceQuantity>? requests) =>
        requests is not null && requests.TryGetValue("cpu", out var q) ? (long)Math.Ceiling(q.ToDecimal() * 1000m) : null;

    private static long? Bytes(IDictionary<string, ResourceQuantity>? requests) =>
        requests is not null && requests.TryGetValue("memory", out var q) ? (long)Math.Ceiling(q.ToDecimal()) : null;

    private static NodeSelectorTerm Term(V1NodeSelectorTerm term) =>
        new([.. (term.MatchExpressions ?? []).Select(r => new LabelRequirement(r.Key, Operator(r.OperatorProperty), [.. r.Values ?? []]))]);

    private static PodAffinityTerm AffinityTerm(V1PodAffinityTerm t) => new(Selector(t.LabelSelector), t.TopologyKey, [.. t.Namespaces ?? []]);

    private static LabelSelector Selector(V1LabelSelector? s) => s is null
        ? new LabelSelector(new Dictionary<string, string>(), [])
        : new LabelSelector(s.MatchLabels is { } m ? new Dictionary<string, string>(m) : new Dictionary<string, string>(),
            [.. (s.MatchExpressions ?? []).Select(r => new LabelRequirement(r.Key, Operator(r.OperatorProperty), [.. r.Values ?? []]))]);

    private static Toleration Tolerate(V1Toleration t) => new(t.Key ?? "", t.OperatorProperty == "Exists" ? TolerationOperator.Exists : TolerationOperator.Equal, t.Value ?? "",
        t.Effect is { Length: > 0 } e ? Enum.TryParse<TaintEffect>(e, out var effect) ? effect : throw new ArgumentException($"toleration effect {ManifestReader.Q(e)}: Unsupported value; allowed: NoSchedule, PreferNoSchedule, NoExecute") : null);

    private static SelectorOperator Operator(string? op) => Enum.TryParse<SelectorOperator>(op, out var o)
        ? o
        : throw new ArgumentException($"operator {ManifestReader.Q(op ?? "")}: Unsupported value; allowed: In, NotIn, Exists, DoesNotExist, Gt, Lt");
}
