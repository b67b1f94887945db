namespace NetPerf.Scenarios.Manifests;

/// <summary>
/// A node as placement sees it: its number (1-based), name, labels (kubernetes.io/hostname, the zone, cluster.nodeLabels
/// and those a Node manifest adds), taints (cluster.nodeTaints' and a Node manifest's) and allocatable resources.
/// </summary>
public sealed record PlacementNode(int Number, string Name, IReadOnlyDictionary<string, string> Labels, Kubernetes.Scheduling.NodeAllocatable Allocatable)
{
    public IReadOnlyList<Kubernetes.Scheduling.Taint> Taints { get; init; } = [];
}

/// <summary>Where placement put a pod: a node (1-based), or 0 and why it stays Pending, in kube-scheduler's words.</summary>
public readonly record struct PlacementResult(int Node, string? Pending)
{
    public static PlacementResult On(int node) => new(node, null);

    public static PlacementResult Unschedulable(string why) => new(0, why);
}

/// <summary>
/// The one seam through which a manifest's pods get their nodes. Pods come in manifest order, bound pods
/// (<see cref="ManifestPod.BoundNode"/>) among them; the answer is one result per pod, in the same order.
/// Deterministic: the same pods and nodes give the same answer.
/// </summary>
public interface IPodPlacement
{
    IReadOnlyList<PlacementResult> Place(IReadOnlyList<ManifestPod> pods, IReadOnlyList<PlacementNode> nodes);
}
