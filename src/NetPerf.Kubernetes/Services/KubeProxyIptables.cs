using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// kube-proxy in iptables mode (pkg/proxy/iptables/proxier.go), for ClusterIP Services: nat PREROUTING and
/// OUTPUT jump to KUBE-SERVICES, which holds one rule per Service port (<c>-d CLUSTER-IP/32 -p tcp --dport P
/// -j KUBE-SVC-X</c>) walked in order; KUBE-SVC-X picks an endpoint with the real random-probability rules (1/n,
/// then 1/(n-1), ..., the last unconditional) and jumps to its KUBE-SEP-Y, which marks hairpin traffic for
/// masquerade (<c>-s POD-IP -j KUBE-MARK-MASQ</c>) and DNATs to the pod. KUBE-POSTROUTING masquerades marked
/// packets. Only a connection's first packet walks these rules: conntrack carries the rest.
/// The chains are built once and shared by every node, as the rules are identical on all of them.
/// </summary>
public sealed class KubeProxyIptables
{
    /// <summary>KUBE-MARK-MASQ's bit (kube-proxy's --iptables-masquerade-bit 14).</summary>
    public const uint MasqueradeMark = 0x4000;

    private readonly Chain _services = new("KUBE-SERVICES");
    private readonly Chain _markMasquerade = new("KUBE-MARK-MASQ");
    private readonly Chain _postRouting = new("KUBE-POSTROUTING");
    private readonly List<Service> _installed = [];

    public KubeProxyIptables(KubernetesCluster cluster)
    {
        Cluster = cluster;
        _markMasquerade.Append(new Rule { Target = RuleTarget.Mark, SetMark = MasqueradeMark });
        _postRouting.Append(new Rule { MarkSet = MasqueradeMark, Target = RuleTarget.Masquerade, Comment = "kubernetes service traffic requiring SNAT" });
        foreach (var node in cluster.Nodes)
        {
            var nf = node.Root.EnableNetfilter();
            nf.NatPreRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _services, Comment = "kubernetes service portals" });
            nf.NatOutput.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _services, Comment = "kubernetes service portals" });
            nf.NatPostRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _postRouting, Comment = "kubernetes postrouting rules" });
        }
    }

    public KubernetesCluster Cluster { get; }

    public IReadOnlyList<Service> Services => _installed;

    /// <summary>Rules in KUBE-SERVICES: what a new connection to the last Service walks before its own.</summary>
    public int ServiceRules => _services.Rules.Count;

    /// <summary>Programs a Service with the endpoints its selector matches now.</summary>
    public void Add(Service service)
    {
        var endpoints = service.Endpoints(Cluster);
        string id = $"{_installed.Count + 1:X8}";
        var svc = new Chain($"KUBE-SVC-{id}");
        for (int i = 0; i < endpoints.Count; i++)
        {
            var pod = endpoints[i];
            var sep = new Chain($"KUBE-SEP-{id}{i:X4}");
            sep.Append(new Rule { Source = new Ipv4Prefix(pod.Ip, 32), Target = RuleTarget.Jump, JumpTo = _markMasquerade });
            sep.Append(new Rule { Protocol = service.Protocol, Target = RuleTarget.Dnat, NatAddress = pod.Ip, NatPort = service.TargetPort });
            int left = endpoints.Count - i;
            svc.Append(new Rule
            {
                Target = RuleTarget.Jump,
                JumpTo = sep,
                Probability = left == 1 ? null : 1.0 / left, // -m statistic --mode random --probability 1/left; the last takes the rest
            });
        }

        _services.Append(new Rule
        {
            Destination = new Ipv4Prefix(service.ClusterIp, 32),
            Protocol = service.Protocol,
            DestinationPort = service.Port,
            Target = RuleTarget.Jump,
            JumpTo = svc,
            Comment = $"{service.Name} cluster IP",
        });
        _installed.Add(service);
    }
}
