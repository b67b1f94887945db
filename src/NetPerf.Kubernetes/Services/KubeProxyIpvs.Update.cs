using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// NodePorts following their Service in IPVS mode (pkg/proxy/ipvs/proxier.go syncService and syncEndpoint for each
/// node address): each node's NodePort virtual servers hold the endpoints its policy gives the node, every
/// endpoint under externalTrafficPolicy Cluster and the node's own under Local (onlyNodeLocalEndpoints). A real
/// server that leaves that set gets weight 0 (graceful termination, pkg/proxy/ipvs/graceful_termination.go: no new
/// connection, the established ones go on; its deletion once they have gone is not modelled); one that joins it is
/// added, or given its weight back. A patch of the policy also moves the port in or out of
/// KUBE-NODE-PORT-LOCAL-TCP, which decides whether the client is masqueraded. Under Local a node without an
/// endpoint has no usable real server: IPVS finds no destination and ip_vs_leave drops the SYN and sends the
/// client a rate-limited ICMP port unreachable (as at the start, <see cref="AddNodePort"/>): a burst of 6 and then
/// one a second per client address are refused, the other SYNs are lost and resent (docs/failures.md).
/// </summary>
public sealed partial class KubeProxyIpvs
{
    private readonly Dictionary<(Service, Node), List<IpvsVirtualService>> _nodePortServices = [];

    /// <summary>
    /// The update's netlink commands on the node that sends most (each node's kube-proxy sends its own): the
    /// ipset add or del, and per NodePort virtual server on the node one command per real server added or
    /// reweighted (the endpoints the old policy gave the node and the new one does not, or the other way).
    /// </summary>
    public int UpdateLines(Service old, Service updated, IReadOnlyList<Pod> endpoints)
    {
        RefuseUpdate(updated);
        int most = 0;
        foreach (var node in Cluster.Nodes)
        {
            var before = NodePortEndpoints(old, endpoints, node);
            var after = NodePortEndpoints(updated, endpoints, node);
            int changed = before.Count(p => !after.Contains(p)) + after.Count(p => !before.Contains(p));
            most = Math.Max(most, changed * _nodePortServices[(old, node)].Count);
        }

        return 1 + most;
    }

    /// <summary>The new version takes the old's place; the ReplaceEndpoints of the same sync gives each node's NodePort virtual servers its real servers.</summary>
    public void Update(Service old, Service updated)
    {
        RefuseUpdate(updated);
        _installed[_installed.IndexOf(old)] = updated;
        // The ClusterIP's real servers are one list for every node (shared by their virtual services): re-keyed once.
        _lists[updated] = _lists[old];
        _lists.Remove(old);
        foreach (var node in Cluster.Nodes)
        {
            _nodePortServices[(updated, node)] = _nodePortServices[(old, node)];
            _nodePortServices.Remove((old, node));
        }

        _nodePortRules.SetPolicy(updated.Protocol, updated.NodePort!.Value, updated.ExternalTrafficPolicy);
    }

    private static void RefuseUpdate(Service service)
    {
        if (service.NodePort is null || service.LoadBalancerIp is not null || ServiceTopology.IsPerNode(service))
        {
            throw new NotSupportedException(
                $"Service {service.Name}: changing externalTrafficPolicy is modelled in IPVS mode for NodePort Services without a LoadBalancer IP, internalTrafficPolicy Local or a trafficDistribution.");
        }
    }

    /// <summary>The endpoints a node's NodePort sends to: its own under Local, else the cluster endpoints (every one, or a trafficDistribution's).</summary>
    private static IReadOnlyList<Pod> NodePortEndpoints(Service service, IReadOnlyList<Pod> endpoints, Node node) =>
        service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local ? [.. endpoints.Where(p => p.Node == node)] : ServiceTopology.ClusterEndpoints(service, endpoints, node);

    /// <summary>
    /// Each node's NodePort virtual servers given the real servers <paramref name="endpoints"/> and the policy
    /// leave the node: missing ones added to the node's list (which the node's addresses share, and under Cluster
    /// every node), then on every virtual server weight 1 for those and 0 for the rest.
    /// </summary>
    private void SyncNodePort(Service service, IReadOnlyList<Pod> endpoints)
    {
        foreach (var node in Cluster.Nodes)
        {
            var list = _nodePortServices[(service, node)][0].Servers;
            foreach (var pod in NodePortEndpoints(service, endpoints, node).Where(p => !list.All.Any(s => s.Address == p.Ip && s.Port == service.TargetPort)))
            {
                list.Add(pod.Ip, service.TargetPort);
            }
        }

        foreach (var node in Cluster.Nodes)
        {
            var wanted = NodePortEndpoints(service, endpoints, node);
            foreach (var virtualService in _nodePortServices[(service, node)])
            {
                for (int i = 0; i < virtualService.RealServers.Count; i++)
                {
                    var (address, port) = virtualService.RealServers[i];
                    virtualService.SetWeight(i, port == service.TargetPort && wanted.Any(p => p.Ip == address) ? 1 : 0);
                }
            }
        }
    }
}
