using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// The iptables rules kube-proxy's IPVS mode still installs for NodePorts (pkg/proxy/ipvs/proxier.go,
/// writeIptablesRules and ipsetWithIptablesChain): nat PREROUTING and OUTPUT jump to KUBE-SERVICES, whose
/// <c>-m addrtype --dst-type LOCAL -j KUBE-NODE-PORT</c> sends every packet for a node address there (Service IPs
/// on kube-ipvs0 are local too, and pass through without a match). KUBE-NODE-PORT first returns the ports of
/// externalTrafficPolicy Local Services (<c>-m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN</c>: the
/// client's address is kept), then marks the rest for masquerade (<c>KUBE-NODE-PORT-TCP dst -j
/// KUBE-MARK-MASQ</c>), which KUBE-POSTROUTING does on the way to the real server. The ports are bitmap:port
/// ipsets, so the walk is the same few rules however many NodePorts there are. Rules are written only for sets
/// that have members, as kube-proxy does; one set of chains is shared by every node.
/// </summary>
internal sealed class IpvsNodePortRules
{
    private readonly Chain _services = new("KUBE-SERVICES");
    private readonly Chain _nodePort = new("KUBE-NODE-PORT");
    private readonly Chain _markMasquerade = KubeProxyRules.MarkMasquerade("KUBE-MARK-MASQ");
    private readonly Chain _postRouting = new("KUBE-POSTROUTING");
    private readonly Dictionary<IpProtocol, (PortSet All, PortSet Local)> _sets = new()
    {
        [IpProtocol.Tcp] = (new PortSet("KUBE-NODE-PORT-TCP"), new PortSet("KUBE-NODE-PORT-LOCAL-TCP")),
        [IpProtocol.Udp] = (new PortSet("KUBE-NODE-PORT-UDP"), new PortSet("KUBE-NODE-PORT-LOCAL-UDP")),
    };

    public IpvsNodePortRules()
    {
        _services.Append(new Rule { DestinationIsLocal = true, Target = RuleTarget.Jump, JumpTo = _nodePort });
        _postRouting.Append(KubeProxyRules.MasqueradeMarked("kubernetes service traffic requiring SNAT"));
    }

    public void Install(Iptables nf)
    {
        nf.NatPreRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _services, Comment = "kubernetes service portals" });
        nf.NatOutput.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _services, Comment = "kubernetes service portals" });
        nf.NatPostRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = _postRouting, Comment = "kubernetes postrouting rules" });
    }

    /// <summary>A NodePort joins KUBE-NODE-PORT-TCP (or -UDP), and with Local also KUBE-NODE-PORT-LOCAL-TCP.</summary>
    public void Add(IpProtocol protocol, ushort nodePort, ExternalTrafficPolicy policy)
    {
        if (!_sets.TryGetValue(protocol, out var sets))
        {
            throw new NotSupportedException($"NodePorts over {protocol} are not modelled in IPVS mode (TCP and UDP are).");
        }

        sets.All.Add(nodePort);
        SetPolicy(protocol, nodePort, policy);
    }

    /// <summary>A deleted NodePort leaves both sets (<c>ipset del</c>), and the chain is written for the sets that still have members.</summary>
    public void Remove(IpProtocol protocol, ushort nodePort)
    {
        _sets[protocol].All.Remove(nodePort);
        SetPolicy(protocol, nodePort, ExternalTrafficPolicy.Cluster); // out of the Local set; the chain rewritten
    }

    /// <summary>
    /// A NodePort's externalTrafficPolicy changed: its port joins or leaves KUBE-NODE-PORT-LOCAL-TCP (an <c>ipset
    /// add</c> or <c>del</c>), and the chain is written for the sets that have members.
    /// </summary>
    public void SetPolicy(IpProtocol protocol, ushort nodePort, ExternalTrafficPolicy policy)
    {
        var sets = _sets[protocol];
        if (policy == ExternalTrafficPolicy.Local)
        {
            sets.Local.Add(nodePort);
        }
        else
        {
            sets.Local.Remove(nodePort);
        }

        // The local set's RETURN must come before the masquerade (kube-proxy: "kubeNodePortLocalSetTCP must be
        // prior to kubeNodePortSetTCP").
        _nodePort.Clear();
        foreach (var (proto, (all, local)) in _sets)
        {
            if (local.Count > 0)
            {
                _nodePort.Append(new Rule { Protocol = proto, DestinationPortSet = local, Target = RuleTarget.Return, Comment = "Kubernetes nodeport port with externalTrafficPolicy=local" });
            }

            if (all.Count > 0)
            {
                _nodePort.Append(new Rule { Protocol = proto, DestinationPortSet = all, Target = RuleTarget.Jump, JumpTo = _markMasquerade, Comment = "Kubernetes nodeport port for masquerade purpose" });
            }
        }
    }
}
