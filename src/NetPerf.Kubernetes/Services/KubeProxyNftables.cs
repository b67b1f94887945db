using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// kube-proxy in nftables mode (pkg/proxy/nftables/proxier.go), for ClusterIP Services: nat prerouting and
/// output look the destination up in one verdict map (<c>ip daddr . meta l4proto . th dport vmap
/// @service-ips</c>) that jumps to the Service's chain, which picks an endpoint and DNATs. One hash lookup per
/// new connection however many Services there are. The real proxy picks the endpoint with one numgen map
/// lookup; here the iptables-style probability rules pick with the same distribution but cost a rule per
/// endpoint passed. The map and chains are shared by every node.
/// </summary>
public sealed partial class KubeProxyNftables
{
    private readonly VerdictMap _serviceIps = new();
    private readonly Chain _markMasquerade = KubeProxyRules.MarkMasquerade("mark-for-masquerade");
    private readonly List<Service> _installed = [];

    public KubeProxyNftables(KubernetesCluster cluster)
    {
        Cluster = cluster;
        foreach (var node in cluster.Nodes)
        {
            var nf = node.Root.EnableNetfilter();
            nf.NatPreRouting.Append(new Rule { Target = RuleTarget.VerdictMap, Map = _serviceIps, Comment = "services" });
            nf.NatOutput.Append(new Rule { Target = RuleTarget.VerdictMap, Map = _serviceIps, Comment = "services" });
            nf.NatPostRouting.Append(KubeProxyRules.MasqueradeMarked("masquerading"));
        }
    }

    public KubernetesCluster Cluster { get; }
    public IReadOnlyList<Service> Services => _installed;

    public void Add(Service service)
    {
        var endpoints = service.Endpoints(Cluster);
        string id = $"{_installed.Count + 1:X8}";
        var svc = new Chain($"service-{id}-{service.Name}");
        _serviceChains[service] = svc;
        svc.Append(new Rule
        {
            SourceNotIn = Ipv4Prefix.Parse(KubernetesCluster.ClusterCidr), Target = RuleTarget.Jump, JumpTo = _markMasquerade,
            Comment = "traffic from outside the pod network is masqueraded",
        });
        var chains = endpoints.Select((pod, i) => KubeProxyRules.Endpoint($"endpoint-{id}-{i}", pod, service, _markMasquerade)).ToList();
        KubeProxyRules.PickOne(svc, chains);

        _serviceIps.Add(service.ClusterIp, service.Protocol, service.Port, svc);
        if (service.LoadBalancerIp is { } lbIp)
        {
            if (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local)
            {
                throw new NotSupportedException(
                    $"Service {service.Name}: externalTrafficPolicy Local is not modelled in nftables mode yet (its map is shared by every node); use Cluster, or the iptables mode.");
            }

            // external-X: traffic from outside is masqueraded, then any endpoint; the LoadBalancer IP is one
            // more element of the same map.
            var external = new Chain($"external-{id}-{service.Name}");
            external.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _markMasquerade, Comment = "masquerade traffic from outside the cluster" });
            external.Append(new Rule { Target = RuleTarget.Goto, JumpTo = svc });
            _serviceIps.Add(lbIp, service.Protocol, service.Port, external);
        }

        _installed.Add(service);
    }
}
