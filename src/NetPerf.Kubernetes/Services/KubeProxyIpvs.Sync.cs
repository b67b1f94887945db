using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Netfilter;

namespace NetPerf.Kubernetes.Services;

/// <summary>Following EndpointSlices: real servers added, and removed ones quiesced, when a Service's endpoints change.</summary>
public sealed partial class KubeProxyIpvs : IKubeProxyRuleWriter
{
    /// <summary>Each Service's real servers for its ClusterIP: the shared list, or for a per-node Service the first node's own.</summary>
    private readonly Dictionary<Service, IpvsRealServers> _lists = [];

    /// <summary>
    /// Reprograms Services when <paramref name="slices"/> publishes new endpoints. ipvs.minSyncPeriod has no
    /// default in KubeProxyConfiguration (0 s: a change is synced at once), unlike iptables' 1 s.
    /// </summary>
    public KubeProxySync FollowEndpointSlices(EndpointSliceController slices, SimTime? minSyncPeriod = null) =>
        new(this, slices, minSyncPeriod ?? SimTime.Zero);

    /// <summary>One netlink command per real server added or taken out (on one node; every node does the same at once).</summary>
    public int SyncLines(IReadOnlyDictionary<Service, IReadOnlyList<Pod>> changed)
    {
        int lines = 0;
        foreach (var (service, endpoints) in changed)
        {
            var servers = _lists[service].All;
            lines += endpoints.Count(p => !servers.Any(s => s.Address == p.Ip));
            lines += servers.Count(s => !endpoints.Any(p => p.Ip == s.Address));
        }

        return lines;
    }

    /// <summary>
    /// New endpoints become real servers; a removed one gets weight 0, as kube-proxy's graceful termination does
    /// (pkg/proxy/ipvs/graceful_termination.go): no new connections, its established ones carry on. Its later
    /// deletion, once they have gone, is not modelled. A NodePort's virtual servers follow the same way, each
    /// node's by its externalTrafficPolicy (<see cref="SyncNodePort"/>).
    /// </summary>
    public void ReplaceEndpoints(Service service, IReadOnlyList<Pod> endpoints)
    {
        if (ServiceTopology.IsPerNode(service))
        {
            throw new NotSupportedException($"Service {service.Name}: changing the endpoints of a Service with internalTrafficPolicy Local or a trafficDistribution is not modelled in IPVS mode yet (each node's real servers differ).");
        }

        if (service.LoadBalancerIp is not null)
        {
            throw new NotSupportedException($"Service {service.Name}: changing a LoadBalancer Service's endpoints is not modelled in IPVS mode yet.");
        }

        // The list of real servers and their weights are one, shared by every node's virtual service: every node's
        // kube-proxy writes the same weights.
        var shared = _lists[service];
        for (int i = 0; i < shared.Count; i++)
        {
            var address = shared.All[i].Address;
            shared.SetWeight(i, endpoints.Any(p => p.Ip == address) ? 1 : 0);
        }

        foreach (var pod in endpoints.Where(p => !shared.All.Any(s => s.Address == p.Ip)))
        {
            shared.Add(pod.Ip, service.TargetPort);
        }

        if (service.NodePort is not null)
        {
            SyncNodePort(service, endpoints); // the NodePort's virtual servers on every node address follow too
        }
    }
}
