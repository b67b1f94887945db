namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// A pod (anti-)affinity term: pods matching <see cref="Selector"/> in <see cref="Namespaces"/> (empty: the
/// pod's own namespace, as scheduler framework's newAffinityTerm defaults it), counted per value of the node
/// label <see cref="TopologyKey"/> (kubernetes.io/hostname, topology.kubernetes.io/zone ...).
/// </summary>
public sealed record PodAffinityTerm(LabelSelector Selector, string TopologyKey, IReadOnlyList<string> Namespaces)
{
    public PodAffinityTerm(LabelSelector selector, string topologyKey)
        : this(selector, topologyKey, [])
    {
    }

    /// <summary>Whether <paramref name="pod"/> is one this term, written in <paramref name="owner"/>'s spec, selects.</summary>
    public bool Selects(SchedulingPod pod, SchedulingPod owner)
    {
        bool inNamespace = Namespaces.Count == 0 ? pod.Namespace == owner.Namespace : Namespaces.Contains(pod.Namespace);
        return inNamespace && Selector.Matches(pod.Labels);
    }
}

/// <summary>A preferred pod (anti-)affinity term: weight 1-100.</summary>
public sealed record WeightedPodAffinityTerm(int Weight, PodAffinityTerm Term);
