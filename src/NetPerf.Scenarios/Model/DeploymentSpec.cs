namespace NetPerf.Scenarios.Model;

/// <summary>
/// Pods the scenario adds beside the measured ones: replicas spread round robin over the given nodes, with the
/// rolling-update strategy and pod lifecycle a timeline's actions follow.
/// </summary>
public sealed record DeploymentSpec(string Name, int Replicas, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<int> Nodes)
{
    /// <summary>strategy.rollingUpdate, resolved against the replicas (default 25% each).</summary>
    public Kubernetes.Controllers.RollingUpdate? Strategy { get; init; }

    /// <summary>Readiness delay, preStop sleep and grace period of its pods.</summary>
    public Kubernetes.Controllers.PodLifecycle Lifecycle { get; init; } = new();
}
