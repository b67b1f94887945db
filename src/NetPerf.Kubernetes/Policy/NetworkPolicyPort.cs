using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Policy;

/// <summary>A destination port of an ingress rule: the pod's own port (after a Service's DNAT), not the Service's.</summary>
public readonly record struct NetworkPolicyPort(IpProtocol Protocol, ushort Port);
