using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Policy;

/// <summary>A source an ingress rule allows: the pods a podSelector matches, or an ipBlock's CIDR (its except list is not modelled).</summary>
public sealed record NetworkPolicyPeer
{
    public IReadOnlyDictionary<string, string>? PodSelector { get; init; }
    public Ipv4Prefix? IpBlock { get; init; }

    public static NetworkPolicyPeer Pods(IReadOnlyDictionary<string, string> selector) => new() { PodSelector = selector };

    public static NetworkPolicyPeer Cidr(string cidr) => new() { IpBlock = Ipv4Prefix.Parse(cidr) };
}
