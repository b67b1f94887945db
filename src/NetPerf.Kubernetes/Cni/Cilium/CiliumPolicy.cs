using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Cilium's identity-based NetworkPolicy (Documentation/security/network/identity.rst, bpf/lib/policy.h): the agent
/// gives every distinct set of pod labels a numeric security identity, keeps each address's identity in the
/// ipcache, and writes, for every endpoint a policy selects, a policy map of what may reach it: (source identity,
/// protocol, port) entries, each rule's podSelector turned into the identities it matches, an empty from into the
/// wildcard identity, an ipBlock into its CIDR's identity. The endpoint's ingress program (<see cref="Network.Cpu.KernelStage.BpfToContainer"/>)
/// looks the packet's source identity and port up there: one hash lookup whatever the number of policies, where
/// iptables-based engines walk a rule per policy. Replies of connections the endpoint opened pass by their
/// conntrack entry without the verdict (CT_REPLY; the entries are the node's, <see cref="CiliumConntrack"/>); every
/// other packet is judged (bpf_lxc.c: "Reply packets and related packets are allowed, all others must be
/// permitted by policy").
/// Not modelled: egress policies (as elsewhere in this model), namespaces (one is), CiliumNetworkPolicy's L7 rules.
/// </summary>
internal sealed class CiliumPolicy(KubernetesCluster cluster) : IPolicyRenderer
{
    /// <summary>Cilium's reserved identities (pkg/identity/numericidentity.go): world (outside the cluster), host, remote-node.</summary>
    public const int World = 2, HostIdentity = 1, RemoteNode = 6;

    /// <summary>The wildcard in a policy map entry: any identity (an ingress rule without from), any port.</summary>
    private const int Any = 0;

    /// <summary>The wildcard protocol of an entry that allows every port (an ingress rule without ports).</summary>
    private const IpProtocol AnyProtocol = 0;

    /// <summary>The first identity given to a label set (Cilium's cluster-local identities start at 256).</summary>
    private const int FirstIdentity = 256;

    private readonly Dictionary<string, int> _identities = [];
    private readonly Dictionary<uint, int> _ipcache = [];
    private readonly Dictionary<uint, EndpointPolicy> _endpoints = [];

    /// <summary>True once some endpoint is selected by a policy (until then nothing is looked up).</summary>
    public bool Enforcing => _endpoints.Count > 0;

    public void Render(IReadOnlyList<NetworkPolicy> policies)
    {
        _ipcache.Clear();
        _endpoints.Clear();
        var pods = cluster.Pods.Where(p => !p.HostNetwork).OrderBy(p => p.Ip.Value).ToList();
        foreach (var pod in pods)
        {
            _ipcache[pod.Ip.Value] = IdentityOf(pod);
        }

        foreach (var pod in pods)
        {
            var selecting = policies.Where(p => p.Selects(pod)).ToList();
            if (selecting.Count == 0)
            {
                continue;
            }

            var map = new EndpointPolicy();
            foreach (var rule in selecting.SelectMany(p => p.Ingress))
            {
                var ports = rule.Ports.Count == 0 ? [(AnyProtocol, (ushort)Any)] : rule.Ports.Select(p => (p.Protocol, p.Port)).ToList();
                foreach (var (protocol, port) in ports)
                {
                    if (rule.From.Count == 0)
                    {
                        map.Allowed.Add((Any, protocol, port));
                        continue;
                    }

                    foreach (var peer in rule.From)
                    {
                        if (peer.PodSelector is { } selector)
                        {
                            foreach (var source in pods.Where(p => NetworkPolicy.Matches(selector, p)))
                            {
                                map.Allowed.Add((_ipcache[source.Ip.Value], protocol, port));
                            }
                        }

                        if (peer.IpBlock is { } cidr)
                        {
                            map.Cidrs.Add((cidr, protocol, port));
                        }
                    }
                }
            }

            _endpoints[pod.Ip.Value] = map;
        }
    }

    /// <summary>The endpoint's ingress verdict on a packet for <paramref name="flow"/>'s destination: false means DROP_POLICY.</summary>
    public bool Allows(in FiveTuple flow)
    {
        if (!_endpoints.TryGetValue(flow.Destination.Value, out var map))
        {
            return true;
        }

        int identity = _ipcache.TryGetValue(flow.Source.Value, out int id) ? id : ReservedIdentity(flow.Source);
        return map.Allowed.Contains((identity, flow.Protocol, flow.DestinationPort))
            || map.Allowed.Contains((identity, AnyProtocol, Any))
            || map.Allowed.Contains((Any, flow.Protocol, flow.DestinationPort))
            || map.Allowed.Contains((Any, AnyProtocol, Any))
            || AllowsCidr(map, flow);
    }

    /// <summary>An ipBlock's entry: the ipcache's longest-prefix match gives the source its CIDR identity.</summary>
    private static bool AllowsCidr(EndpointPolicy map, in FiveTuple flow)
    {
        foreach (var (prefix, protocol, port) in map.Cidrs)
        {
            if (prefix.Contains(flow.Source) && (protocol == AnyProtocol || (protocol == flow.Protocol && port == flow.DestinationPort)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A source that is no pod: this cluster's nodes are host or remote-node, anything else the world.</summary>
    private int ReservedIdentity(Ipv4Address source) =>
        cluster.Nodes.Any(n => n.Ip == source || n.Root.IsLocal(source)) ? RemoteNode : World;

    private int IdentityOf(Pod pod)
    {
        string labels = string.Join(",", pod.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        if (!_identities.TryGetValue(labels, out int id))
        {
            id = FirstIdentity + _identities.Count;
            _identities[labels] = id;
        }

        return id;
    }

    private sealed class EndpointPolicy
    {
        public HashSet<(int Identity, IpProtocol Protocol, ushort Port)> Allowed { get; } = [];

        public List<(Ipv4Prefix Prefix, IpProtocol Protocol, ushort Port)> Cidrs { get; } = [];
    }
}
