using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Policy;

/// <summary>A source an ingress rule or a destination an egress rule allows: the pods a podSelector matches, or an ipBlock's CIDR less its except prefixes.</summary>
public sealed record NetworkPolicyPeer
{
    public IReadOnlyDictionary<string, string>? PodSelector { get; init; }
    public Ipv4Prefix? IpBlock { get; init; }

    /// <summary>ipBlock.except: prefixes inside the block that the peer leaves out.</summary>
    public IReadOnlyList<Ipv4Prefix> Except { get; init; } = [];

    /// <summary>Whether <paramref name="pod"/> (by its labels, or its address for an ipBlock) is this peer.</summary>
    public bool Matches(Cluster.Pod pod) => PodSelector is { } selector
        ? NetworkPolicy.Matches(selector, pod)
        : IpBlock is { } block && block.Contains(pod.Ip) && !Except.Any(e => e.Contains(pod.Ip));

    public static NetworkPolicyPeer Pods(IReadOnlyDictionary<string, string> selector) => new() { PodSelector = selector };

    public static NetworkPolicyPeer Cidr(string cidr) => new() { IpBlock = Ipv4Prefix.Parse(cidr) };
}
