using NetPerf.Network.Addressing;

namespace NetPerf.Scenarios.Model;

/// <summary>A source an ingress rule allows: pods by labels, or an address block.</summary>
public sealed record PolicyPeerSpec(IReadOnlyDictionary<string, string>? PodSelector, Ipv4Prefix? IpBlock);

/// <summary>An ingress rule: from any of the peers (any source when empty) to any of the ports (any when empty).</summary>
public sealed record PolicyRuleSpec(IReadOnlyList<PolicyPeerSpec> From, IReadOnlyList<ushort> Ports);

/// <summary>
/// An ingress NetworkPolicy (stamped out <see cref="Count"/> times, name-0, name-1, ...): the pods its selector
/// picks accept only what its rules allow. Calico enforces it; flannel accepts it and enforces nothing.
/// </summary>
public sealed record NetworkPolicySpec(string Name, IReadOnlyDictionary<string, string> PodSelector, IReadOnlyList<PolicyRuleSpec> Ingress)
{
    public int Count { get; init; } = 1;
}
