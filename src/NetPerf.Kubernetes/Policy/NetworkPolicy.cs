using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Policy;

/// <summary>
/// A NetworkPolicy with policyTypes [Ingress] (networking.k8s.io/v1), in the one namespace modelled: the pods its
/// <see cref="PodSelector"/> matches (an empty selector matches every pod) accept only connections some rule
/// of <see cref="Ingress"/> allows; an empty list denies every inbound connection (default deny). Egress
/// policies and namespaceSelector are not modelled.
/// </summary>
public sealed record NetworkPolicy(string Name, IReadOnlyDictionary<string, string> PodSelector, IReadOnlyList<NetworkPolicyIngressRule> Ingress)
{
    /// <summary>Whether the selector matches the pod's labels (hostNetwork pods are never selected: no workload interface).</summary>
    public bool Selects(Pod pod) => !pod.HostNetwork && Matches(PodSelector, pod);

    internal static bool Matches(IReadOnlyDictionary<string, string> selector, Pod pod) =>
        selector.All(kv => pod.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
