namespace NetPerf.Kubernetes.Policy;

/// <summary>
/// One ingress rule: traffic from any of <see cref="From"/> to any of <see cref="Ports"/> is allowed. An empty
/// From allows every source, an empty Ports every port.
/// </summary>
public sealed record NetworkPolicyIngressRule(IReadOnlyList<NetworkPolicyPeer> From, IReadOnlyList<NetworkPolicyPort> Ports);
