using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Policy;

/// <summary>A destination port of a rule: the pod's own port (after a Service's DNAT), not the Service's; <see cref="AnyPort"/>: every port of the protocol.</summary>
public readonly record struct NetworkPolicyPort(IpProtocol Protocol, ushort Port)
{
    /// <summary>A port entry with a protocol and no port: every port of that protocol.</summary>
    public const ushort AnyPort = 0;

    public bool Allows(IpProtocol protocol, ushort port) => Protocol == protocol && (Port == AnyPort || Port == port);
}
