using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// A Service updated in the API (kubectl patch of its externalTrafficPolicy): the sync that reads the new version
/// rewrites its chains, as proxier.go's syncProxyRules writes every Service's from the current serviceMap. The
/// KUBE-EXT-X chain takes the new policy's rules: with Cluster, the masquerade mark and a jump to KUBE-SVC; with
/// Local, the short-circuits of pod traffic (to KUBE-SVC) and of the node's own (marked, to KUBE-SVC), then
/// KUBE-SVL-X (this node's endpoints, unmarked: the client's address reaches the pod) or, on a node without an
/// endpoint, nothing, and KUBE-EXTERNAL-SERVICES' "has no local endpoints" DROP in the filter table. Connections
/// already in conntrack keep their DNAT: the filter rules match only new ones (<c>--ctstate NEW</c>) and the nat
/// table sees only a connection's first packet.
/// </summary>
public sealed partial class KubeProxyIptables
{
    private readonly HashSet<Service> _externalStale = []; // updated Services whose external chains the next ReplaceEndpoints rebuilds

    /// <summary>
    /// The external chains the update writes on the node that writes most (each node's kube-proxy writes its own;
    /// the sync ends with the slowest): KUBE-EXT-X, a header and its rules (2 with Cluster; 3 short-circuits and a
    /// jump to KUBE-SVL-X with Local), KUBE-SVL-X when the node has an endpoint (a header and a rule per local
    /// endpoint), and a KUBE-SVL-X the new version no longer uses deleted (its chain line and -X).
    /// </summary>
    public int UpdateLines(Service old, Service updated, IReadOnlyList<Pod> endpoints)
    {
        RefuseUpdate(updated);
        int most = 0;
        foreach (var node in _nodes.Keys)
        {
            int local = endpoints.Count(p => p.Node == node);
            int lines = updated.ExternalTrafficPolicy == ExternalTrafficPolicy.Local
                ? 1 + 3 + (local > 0 ? 1 + 1 + local : 0)
                : 1 + 2 + (old.ExternalTrafficPolicy == ExternalTrafficPolicy.Local && local > 0 ? 2 : 0);
            most = Math.Max(most, lines);
        }

        return most;
    }

    /// <summary>The new version takes the old's place (its position still names its chains); its external chains are rebuilt by the ReplaceEndpoints of the same sync.</summary>
    public void Update(Service old, Service updated)
    {
        RefuseUpdate(updated);
        _installed[_installed.IndexOf(old)] = updated;
        _live[_live.IndexOf(old)] = updated;
        if (_serviceChains.Remove(old, out var svc))
        {
            _serviceChains[updated] = svc;
        }

        if (_rejects.Remove(old, out var reject))
        {
            _rejects[updated] = reject;
        }

        _externalStale.Add(updated);
    }

    private static void RefuseUpdate(Service service)
    {
        if (service.NodePort is null && service.LoadBalancerIp is null)
        {
            throw new NotSupportedException($"Service {service.Name}: externalTrafficPolicy applies to NodePort and LoadBalancer Services only.");
        }

        if (ServiceTopology.IsPerNode(service))
        {
            throw new NotSupportedException(
                $"Service {service.Name}: changing a Service with internalTrafficPolicy Local or a trafficDistribution is not modelled yet (its per-node chains are not rebuilt).");
        }
    }

    /// <summary>
    /// The Service's KUBE-EXT-X, KUBE-SVL-X and "has no local endpoints" DROPs written anew for its endpoints now
    /// (<paramref name="endpointChains"/>: their KUBE-SEP chains), its jumps in KUBE-NODEPORTS and KUBE-SERVICES
    /// where the old ones stood.
    /// </summary>
    private void ReplaceExternal(Service service, string id, Chain svc, IReadOnlyList<Pod> endpoints, Dictionary<Pod, Chain> endpointChains, Dictionary<string, Chain> shared)
    {
        var at = new Dictionary<Node, ExternalRulePlaces>();
        string noLocal = $"{service.Name} has no local endpoints";
        string lbComment = $"{service.Name} loadbalancer IP";
        foreach (var (node, chains) in _nodes)
        {
            int nodePort = FindIndex(chains.NodePorts, r => r.Comment == service.Name && r.DestinationPort == service.NodePort && r.Protocol == service.Protocol);
            int lb = FindIndex(chains.Services, r => r.Comment == lbComment);
            RemoveAt(chains.NodePorts, nodePort);
            RemoveAt(chains.Services, lb);
            foreach (var drop in chains.External.Rules.Where(r => r.Comment == noLocal).ToList())
            {
                chains.External.Remove(drop);
            }

            at[node] = new ExternalRulePlaces(nodePort, lb);
        }

        AddExternal(service, id, svc, endpoints, endpointChains, shared, at);
    }

    private static int FindIndex(Chain chain, Func<Rule, bool> match)
    {
        for (int i = 0; i < chain.Rules.Count; i++)
        {
            if (match(chain.Rules[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static void RemoveAt(Chain chain, int index)
    {
        if (index >= 0)
        {
            chain.Remove(chain.Rules[index]);
        }
    }
}
