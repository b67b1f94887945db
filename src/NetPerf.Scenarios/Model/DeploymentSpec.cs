using NetPerf.Kubernetes.Scheduling;

namespace NetPerf.Scenarios.Model;

/// <summary>
/// Pods the scenario adds beside the measured ones: replicas spread round robin over the given nodes, with the
/// rolling-update strategy and pod lifecycle a timeline's actions follow. With <see cref="Count"/> above 1 the
/// deployment is stamped out that many times (name-0, name-1, ..., as a Service's count does), with the same labels,
/// the round robin continuing from one to the next so the nodes fill evenly.
/// Without <see cref="Nodes"/>, and when the scenario uses a placement key (docs/placement.md), kube-scheduler's
/// model places each replica instead, by its requests, nodeSelector, required anti-affinity and tolerations.
/// </summary>
public sealed record DeploymentSpec(string Name, int Replicas, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<int> Nodes)
{
    public int Count { get; init; } = 1;

    /// <summary>Every pod of the stamped deployments: replicas x count.</summary>
    public long Pods => (long)Replicas * Count;

    /// <summary>strategy.rollingUpdate, resolved against the replicas (default 25% each).</summary>
    public Kubernetes.Controllers.RollingUpdate? Strategy { get; init; }

    /// <summary>Readiness delay, preStop sleep and grace period of its pods.</summary>
    public Kubernetes.Controllers.PodLifecycle Lifecycle { get; init; } = new();

    public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = new Dictionary<string, string>();

    /// <summary>Each replica's one container's requests (null where unset).</summary>
    public ContainerRequests Requests { get; init; }

    /// <summary>The node label its replicas keep apart on (required pod anti-affinity to its own labels), or null.</summary>
    public string? AntiAffinityKey { get; init; }

    public IReadOnlyList<Toleration> Tolerations { get; init; } = [];
}
