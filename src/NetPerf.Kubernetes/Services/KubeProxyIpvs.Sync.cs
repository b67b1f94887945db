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
            if (!_lists.TryGetValue(service, out var list))
            {
                lines += endpoints.Count; // created since the last sync: every endpoint a real server to add
                continue;
            }

            var servers = list.All;
            lines += endpoints.Count(p => !servers.Any(s => s.Address == p.Ip));
            lines += servers.Count(s => !endpoints.Any(p => p.Ip == s.Address));
        }

        return lines;
    }

    /// <summary>
    /// A Service created since the last sync (pkg/proxy/ipvs/proxier.go syncProxyRules and syncService): its
    /// ClusterIP bound to kube-ipvs0 (a netlink command, when no other port of it bound it already) and its virtual
    /// service (one; its real servers are counted by <see cref="SyncLines"/>). Until then a packet for the ClusterIP
    /// is not local and is routed as an ordinary destination. A NodePort joins KUBE-NODE-PORT-TCP (an ipset add,
    /// and a second for KUBE-NODE-PORT-LOCAL-TCP under Local) and gets a virtual service on every node address, each
    /// with its real servers (every endpoint under Cluster, the node's own under Local, from <paramref
    /// name="endpoints"/>: the slice the sync reads), on the node that sends most. Until then a SYN to the NodePort
    /// finds no virtual service and reaches the node's own TCP, which resets it. A per-node Service's ClusterIP
    /// virtual service is each node's own, with its own real servers (counted by <see cref="SyncLines"/> as every
    /// endpoint: at most what one node writes).
    /// </summary>
    public int AddLines(Service service, IReadOnlyList<Pod> endpoints)
    {
        RefuseAtRunTime(service, "adding");
        int lines = (Cluster.Nodes[0].Root.IsLocal(service.ClusterIp) ? 0 : 1) + 1;
        if (service.NodePort is null)
        {
            return lines;
        }

        int most = 0;
        foreach (var (node, (dummy, _)) in _nodes)
        {
            int servers = service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local ? endpoints.Count(p => p.Node == node) : endpoints.Count;
            most = Math.Max(most, NodeAddresses(node, dummy).Count() * (1 + servers));
        }

        return lines + (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local ? 2 : 1) + most;
    }

    /// <summary>
    /// A deleted Service's netlink commands: its ClusterIP virtual service deleted (its real servers go with it)
    /// and the address unbound from kube-ipvs0 (cleanLegacyService, and the unbind of addresses no Service uses any
    /// more); a NodePort's virtual service on every node address deleted, and its port out of the ipsets (one del,
    /// two under Local).
    /// </summary>
    public int RemoveLines(Service service)
    {
        RefuseAtRunTime(service, "removing");
        int lines = 2;
        if (service.NodePort is not null)
        {
            lines += (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local ? 2 : 1) + Cluster.Nodes.Max(n => _nodePortServices[(service, n)].Count);
        }

        return lines;
    }

    /// <summary>
    /// A deleted Service at the sync's commit: its virtual services go from every node (the shared table's entry
    /// and each node's state for it; a NodePort's on every node address) and its port leaves the ipsets, so a new
    /// connection to the NodePort reaches the node's own TCP, which resets it. Connections IPVS holds keep their
    /// real server (<see cref="Ipvs.RemoveService"/>): a NodePort's, whose node address stays local, go on. The
    /// ClusterIP is unbound from kube-ipvs0 once no other port of a Service uses it, so a packet for it is no
    /// longer local: a new connection is routed as an ordinary destination, and so are the packets of one IPVS
    /// held (IPVS sees only what reaches LOCAL_IN).
    /// </summary>
    public void Remove(Service service)
    {
        RefuseAtRunTime(service, "removing");
        if (SharesAcrossNodes)
        {
            _table.Remove(service.Protocol, service.ClusterIp, service.Port);
        }

        foreach (var (_, ipvs) in _nodes.Values)
        {
            ipvs.RemoveService(service.Protocol, service.ClusterIp, service.Port);
        }

        if (service.NodePort is { } nodePort)
        {
            foreach (var (node, (_, ipvs)) in _nodes)
            {
                foreach (var virtualService in _nodePortServices[(service, node)])
                {
                    ipvs.RemoveService(service.Protocol, virtualService.Address, nodePort);
                }

                _nodePortServices.Remove((service, node));
            }

            _nodePortRules.Remove(service.Protocol, nodePort);
        }

        _lists.Remove(service);
        _installed.Remove(service);
        if (!_installed.Any(s => s.ClusterIp == service.ClusterIp || s.LoadBalancerIp == service.ClusterIp))
        {
            Unbind(service.ClusterIp);
        }
    }

    /// <summary><c>ip addr del ADDRESS/32 dev kube-ipvs0</c> on every node.</summary>
    private void Unbind(Network.Addressing.Ipv4Address address)
    {
        if (SharesAcrossNodes)
        {
            _addresses.Remove(address);
            return;
        }

        foreach (var (dummy, _) in _nodes.Values)
        {
            dummy.Namespace.RemoveAddress(dummy, address);
        }
    }

    /// <summary>What stays unmodelled while the run goes on in IPVS mode: a LoadBalancer IP.</summary>
    private static void RefuseAtRunTime(Service service, string doing)
    {
        if (service.LoadBalancerIp is not null)
        {
            throw new NotSupportedException($"Service {service.Name}: {doing} a LoadBalancer Service while the run goes on is not modelled in IPVS mode yet.");
        }
    }

    /// <summary>
    /// A per-node Service's ClusterIP virtual service on each node (its own list: <see cref="ServiceTopology.InternalEndpoints"/>,
    /// the node's endpoints under internalTrafficPolicy Local, its zone's under a trafficDistribution) follows the
    /// slice as each node's kube-proxy writes it: missing real servers added, then weight 1 for the node's and 0
    /// for the rest (graceful termination); a node left with none has no usable destination (ip_vs_leave). Its
    /// NodePort's virtual servers follow as a shared Service's do.
    /// </summary>
    private void SyncPerNode(Service service, IReadOnlyList<Pod> endpoints)
    {
        foreach (var (node, (_, ipvs)) in _nodes)
        {
            var virtualService = ipvs.Find(service.Protocol, service.ClusterIp, service.Port)!;
            var wanted = ServiceTopology.InternalEndpoints(service, endpoints, node);
            foreach (var pod in wanted.Where(p => !virtualService.Servers.All.Any(s => s.Address == p.Ip && s.Port == service.TargetPort)))
            {
                virtualService.Servers.Add(pod.Ip, service.TargetPort);
            }

            for (int i = 0; i < virtualService.RealServers.Count; i++)
            {
                var (address, port) = virtualService.RealServers[i];
                virtualService.SetWeight(i, port == service.TargetPort && wanted.Any(p => p.Ip == address) ? 1 : 0);
            }
        }

        if (service.NodePort is not null)
        {
            SyncNodePort(service, endpoints);
        }
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
            SyncPerNode(service, endpoints);
            return;
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
