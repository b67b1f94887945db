using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// A Service updated in the API (kubectl patch of its externalTrafficPolicy), nftables mode: the sync that reads
/// the new version writes its external-X chain anew in the transaction (pkg/proxy/nftables/proxier.go): with
/// Cluster, the masquerade mark and a goto to service-X; with Local, the short-circuits of pod and node traffic
/// to service-X, then this node's local-X chain of its own endpoints (unmarked: the client's address reaches the
/// pod), or a drop on a node without one; and the Service's service-nodeports element points at it. Connections
/// in conntrack keep their DNAT: the nat chains see only a connection's first packet.
/// </summary>
public sealed partial class KubeProxyNftables
{
    private readonly HashSet<Service> _externalStale = []; // updated Services whose NodePort elements the next ReplaceEndpoints rebuilds

    /// <summary>
    /// What the update adds to the transaction on the node that writes most (each node's kube-proxy writes its
    /// own): the external chain flushed and refilled (2 rules with Cluster; 3 short-circuits and a goto or a drop
    /// with Local), with Local and an endpoint on the node its local chain (a flush and a rule per endpoint), and
    /// the service-nodeports element replaced (a delete and an add).
    /// </summary>
    public int UpdateLines(Service old, Service updated, IReadOnlyList<Pod> endpoints)
    {
        RefuseUpdate(updated);
        int most = 0;
        foreach (var node in _nodePorts.Keys)
        {
            int local = endpoints.Count(p => p.Node == node);
            int lines = updated.ExternalTrafficPolicy == ExternalTrafficPolicy.Local ? 1 + 4 + (local > 0 ? 1 + local : 0) : 1 + 2;
            most = Math.Max(most, lines + 2);
        }

        return most;
    }

    /// <summary>The new version takes the old's place; its NodePort elements are rebuilt by the ReplaceEndpoints of the same sync.</summary>
    public void Update(Service old, Service updated)
    {
        RefuseUpdate(updated);
        _installed[_installed.IndexOf(old)] = updated;
        _serviceChains[updated] = _serviceChains[old];
        _serviceChains.Remove(old);
        _externalStale.Add(updated);
    }

    private static void RefuseUpdate(Service service)
    {
        if (service.NodePort is null)
        {
            throw new NotSupportedException($"Service {service.Name}: changing externalTrafficPolicy is modelled in nftables mode for NodePort Services only.");
        }

        if (service.LoadBalancerIp is not null || ServiceTopology.IsPerNode(service))
        {
            throw new NotSupportedException(
                $"Service {service.Name}: changing the externalTrafficPolicy of a LoadBalancer Service, or of one with internalTrafficPolicy Local or a trafficDistribution, is not modelled in nftables mode yet.");
        }
    }
}
