namespace NetPerf.Kubernetes.Policy;

/// <summary>
/// One egress rule: traffic to any of <see cref="To"/> on any of <see cref="Ports"/> is allowed. An empty To
/// allows every destination, an empty Ports every port. The destination is the one after a Service's DNAT (the
/// pod), as every policy engine sees it.
/// </summary>
public sealed record NetworkPolicyEgressRule(IReadOnlyList<NetworkPolicyPeer> To, IReadOnlyList<NetworkPolicyPort> Ports);
