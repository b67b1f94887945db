namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// One term of a required node affinity (core/v1 NodeSelectorTerm's matchExpressions): its requirements are
/// ANDed; the terms of <see cref="SchedulingPod.RequiredNodeAffinity"/> are ORed. A term with no requirement
/// matches no node (component-helpers/scheduling/corev1/nodeaffinity: an empty term selects nothing).
/// </summary>
public sealed record NodeSelectorTerm(IReadOnlyList<LabelRequirement> MatchExpressions)
{
    public bool Matches(IReadOnlyDictionary<string, string> nodeLabels) =>
        MatchExpressions.Count > 0 && MatchExpressions.All(r => r.Matches(nodeLabels));
}

/// <summary>A preferredDuringSchedulingIgnoredDuringExecution node affinity term: weight 1-100.</summary>
public sealed record WeightedNodeSelectorTerm(int Weight, NodeSelectorTerm Preference);
