using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Policy;

/// <summary>
/// A NetworkPolicy (networking.k8s.io/v1): the pods its <see cref="PodSelector"/> matches (an empty selector
/// matches every pod) are isolated in the directions of <see cref="Types"/>: for Ingress they accept only
/// connections some rule of <see cref="Ingress"/> allows, for Egress they open only those some rule of
/// <see cref="Egress"/> allows; an empty list denies every connection in its direction (default deny).
/// Namespaces are labels here (the manifests' mapping scopes selectors with them).
/// </summary>
public sealed record NetworkPolicy(string Name, IReadOnlyDictionary<string, string> PodSelector, IReadOnlyList<NetworkPolicyIngressRule> Ingress)
{
    public IReadOnlyList<NetworkPolicyEgressRule> Egress { get; init; } = [];

    public NetworkPolicyTypes Types { get; init; } = NetworkPolicyTypes.Ingress;

    /// <summary>Whether the selector matches the pod's labels (hostNetwork pods are never selected: no workload interface).</summary>
    public bool Selects(Pod pod) => !pod.HostNetwork && Matches(PodSelector, pod);

    /// <summary>Whether the policy isolates <paramref name="pod"/>'s egress.</summary>
    public bool IsolatesEgress(Pod pod) => Types.HasFlag(NetworkPolicyTypes.Egress) && Selects(pod);

    /// <summary>Whether the policy isolates <paramref name="pod"/>'s ingress.</summary>
    public bool IsolatesIngress(Pod pod) => Types.HasFlag(NetworkPolicyTypes.Ingress) && Selects(pod);

    internal static bool Matches(IReadOnlyDictionary<string, string> selector, Pod pod) =>
        selector.All(kv => pod.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
