using NetPerf.Kubernetes.Scheduling;

namespace NetPerf.Scenarios.Model;

/// <summary>
/// Pods the scenario adds beside the measured ones, with the rolling-update strategy and pod lifecycle a
/// timeline's actions follow. With <see cref="Nodes"/> the replicas are bound round robin to those nodes (as
/// spec.nodeName would); without, kube-scheduler's model places each (docs/placement.md), by its requests,
/// nodeSelector, required anti-affinity and tolerations, and the default spread over its labels.
/// </summary>
public sealed record DeploymentSpec(string Name, int Replicas, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<int> Nodes)
{
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
