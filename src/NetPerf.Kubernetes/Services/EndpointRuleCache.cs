using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// An endpoint chain's two rules (KUBE-SEP-Y in iptables mode, endpoint-Y in nftables mode) say the same for every
/// Service port that reaches one pod on one target port: <c>-s POD-IP/32 -j KUBE-MARK-MASQ</c> and <c>-p PROTO -j
/// DNAT --to-destination POD-IP:PORT</c> (the first the same for every port of the pod). Rules are immutable, so
/// each is made once and every chain of that endpoint holds it; the chains stay one per Service port and
/// endpoint, as kube-proxy names them. At Kubernetes' thresholds a pod is an endpoint of about 17 Service ports (2.5 M endpoints over 150,000 pods). With
/// ClientIP affinity the DNAT rule records the client under its own chain's name: such a rule is the chain's own.
/// </summary>
internal sealed class EndpointRuleCache(Chain markMasquerade)
{
    private readonly Dictionary<Ipv4Address, Rule> _hairpins = [];
    private readonly Dictionary<(Ipv4Address Pod, IpProtocol Protocol, ushort Port), Rule> _dnats = [];

    /// <summary>
    /// The endpoint chain of <paramref name="pod"/> for <paramref name="service"/>, named <paramref name="prefix"/> and
    /// <paramref name="number"/> (its name written only when read: trace, describe, a sync's lines).
    /// </summary>
    public Chain Chain(string prefix, int number, ChainNumberFormat format, Pod pod, Service service)
    {
        if (!_hairpins.TryGetValue(pod.Ip, out var hairpin))
        {
            _hairpins[pod.Ip] = hairpin = KubeProxyRules.Hairpin(pod, markMasquerade); // the same for every port
        }

        Rule? dnat;
        if (service.SessionAffinityTimeout is not null)
        {
            // The DNAT records the client under this chain's name (-m recent --name KUBE-SEP-Y --set): its own.
            dnat = KubeProxyRules.Dnat(Network.Netfilter.Chain.NumberedName(prefix, number, format), pod, service);
        }
        else
        {
            var key = (pod.Ip, service.Protocol, service.TargetPort);
            if (!_dnats.TryGetValue(key, out dnat))
            {
                _dnats[key] = dnat = KubeProxyRules.Dnat(string.Empty, pod, service); // records nothing without affinity
            }
        }

        return Network.Netfilter.Chain.Numbered(prefix, number, format).Append(hairpin).Append(dnat);
    }
}
