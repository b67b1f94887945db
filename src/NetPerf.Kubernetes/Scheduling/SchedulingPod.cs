namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// What kube-scheduler reads of a pod's spec: its labels and namespace, its containers' requests, nodeSelector,
/// node affinity, pod (anti-)affinity, topology spread constraints and tolerations. Only <see cref="Name"/> is
/// required; everything else defaults to what an empty spec means.
/// </summary>
public sealed record SchedulingPod(string Name)
{
    public string Namespace { get; init; } = "default";

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>One entry per container (an empty list: one container without requests).</summary>
    public IReadOnlyList<ContainerRequests> Containers { get; init; } = [];

    public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = new Dictionary<string, string>();

    /// <summary>requiredDuringSchedulingIgnoredDuringExecution's nodeSelectorTerms (ORed); empty: no requirement.</summary>
    public IReadOnlyList<NodeSelectorTerm> RequiredNodeAffinity { get; init; } = [];

    public IReadOnlyList<WeightedNodeSelectorTerm> PreferredNodeAffinity { get; init; } = [];

    public IReadOnlyList<PodAffinityTerm> RequiredPodAffinity { get; init; } = [];

    public IReadOnlyList<PodAffinityTerm> RequiredPodAntiAffinity { get; init; } = [];

    public IReadOnlyList<WeightedPodAffinityTerm> PreferredPodAffinity { get; init; } = [];

    public IReadOnlyList<WeightedPodAffinityTerm> PreferredPodAntiAffinity { get; init; } = [];

    public IReadOnlyList<TopologySpreadConstraint> TopologySpreadConstraints { get; init; } = [];

    public IReadOnlyList<Toleration> Tolerations { get; init; } = [];

    /// <summary>
    /// The selector the default topology spread counts this pod's siblings by: what kube-scheduler builds from
    /// the Services, ReplicaSets and StatefulSets that select the pod (plugins/helper/spread.go DefaultSelector),
    /// for the caller to give (the pod's controller's selector, merged with its Services'). Null: none selects
    /// the pod, so the default spread does not apply to it.
    /// </summary>
    public LabelSelector? DefaultSpreadSelector { get; init; }

    /// <summary>Sum of the containers' set requests, as NodeResourcesFit's filter adds them (an unset request adds 0).</summary>
    public long MilliCpuRequest => Containers.Sum(c => c.MilliCpu ?? 0);

    public long MemoryRequest => Containers.Sum(c => c.MemoryBytes ?? 0);

    /// <summary>As the LeastAllocated score counts them: an unset request counts as its default (<see cref="ContainerRequests"/>).</summary>
    public long NonZeroMilliCpu => Containers.Count == 0 ? ContainerRequests.DefaultMilliCpu : Containers.Sum(c => c.MilliCpu ?? ContainerRequests.DefaultMilliCpu);

    public long NonZeroMemory => Containers.Count == 0 ? ContainerRequests.DefaultMemoryBytes : Containers.Sum(c => c.MemoryBytes ?? ContainerRequests.DefaultMemoryBytes);
}
