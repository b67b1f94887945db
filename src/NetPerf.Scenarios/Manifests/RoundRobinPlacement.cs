namespace NetPerf.Scenarios.Manifests;

/// <summary>
/// The placement a scenario's own deployments get (replica r on the r-th node, round robin), applied to each
/// manifest workload over the nodes its nodeSelector admits; bound pods stay where they are bound. It does not
/// weigh requests, affinity, taints or spread: the scheduler model (issue 12) replaces it behind
/// <see cref="IPodPlacement"/>.
/// </summary>
public sealed class RoundRobinPlacement : IPodPlacement
{
    public IReadOnlyList<PlacementResult> Place(IReadOnlyList<ManifestPod> pods, IReadOnlyList<PlacementNode> nodes)
    {
        var results = new PlacementResult[pods.Count];
        for (int i = 0; i < pods.Count; i++)
        {
            var pod = pods[i];
            if (pod.BoundNode is { } bound)
            {
                results[i] = PlacementResult.On(bound);
                continue;
            }

            var selector = pod.Spec.NodeSelector ?? new Dictionary<string, string>();
            var eligible = nodes.Where(n => selector.All(kv => n.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)).ToList();
            results[i] = eligible.Count == 0
                // kube-scheduler's FitError for a NodeAffinity filter failure on every node (v1.31).
                ? PlacementResult.Unschedulable($"0/{nodes.Count} nodes are available: {nodes.Count} node(s) didn't match Pod's node affinity/selector. preemption: 0/{nodes.Count} nodes are available: {nodes.Count} Preemption is not helpful for scheduling.")
                : PlacementResult.On(eligible[pod.Replica % eligible.Count].Number);
        }

        return results;
    }
}
