namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// What kube-scheduler reads of a node: its name, labels (kubernetes.io/hostname and
/// topology.kubernetes.io/zone among them), taints and allocatable resources.
/// </summary>
public sealed record SchedulingNode(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<Taint> Taints, NodeAllocatable Allocatable)
{
    public const string HostnameLabel = "kubernetes.io/hostname";
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    /// <summary>A node as the kubelet registers it: labelled with its hostname (and zone, when given), untainted.</summary>
    public static SchedulingNode Create(string name, NodeAllocatable allocatable, string? zone = null, IReadOnlyList<Taint>? taints = null,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        var all = new Dictionary<string, string>(labels ?? new Dictionary<string, string>()) { [HostnameLabel] = name };
        if (zone is not null)
        {
            all[ZoneLabel] = zone;
        }

        return new SchedulingNode(name, all, taints ?? [], allocatable);
    }
}
