using NetPerf.Network.Addressing;

namespace NetPerf.Network.Routing;

/// <summary>
/// Where a route sends a packet: out of an interface, to a gateway (<c>via</c>) or straight to the destination
/// when <see cref="Gateway"/> is <see cref="Ipv4Address.Any"/>. <see cref="OnLink"/> means the gateway is
/// reachable on the interface even though no connected prefix covers it, as flannel's
/// <c>10.244.N.0/24 via 10.244.N.0 dev flannel.1 onlink</c> routes and Calico's 169.254.1.1 gateway are.
/// </summary>
public readonly record struct NextHop(int Interface, Ipv4Address Gateway, bool OnLink = false)
{
    public bool IsDirect => Gateway == Ipv4Address.Any;
}
