using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// kube-proxy in IPVS mode (pkg/proxy/ipvs/proxier.go): every node binds each Service IP to the kube-ipvs0 dummy
/// device, so a packet for it is routed locally; IPVS, hooked at LOCAL_IN, picks a real server (round robin by
/// default) from its hash table and sends the packet out again through LOCAL_OUT and POSTROUTING, DNATed;
/// replies are un-NATed by IPVS. A new connection's cost does not grow with the number of Services (a hash
/// lookup, not a rule walk). A NodePort is one more virtual service per node address (see
/// <see cref="AddNodePort"/>), and the few iptables rules this mode still installs decide which of those
/// connections are masqueraded. Not modelled yet: the ClusterIP rules (KUBE-CLUSTER-IP ipset: masquerade traffic
/// from outside the pod network) and hairpin traffic (KUBE-LOOP-BACK), so a node's own processes and a pod
/// reaching itself through its Service are not served.
/// </summary>
public sealed partial class KubeProxyIpvs
{
    private readonly Dictionary<Node, (DummyDevice Dummy, Ipvs Ipvs)> _nodes = [];
    private readonly List<Service> _installed = [];
    private readonly IpvsNodePortRules _nodePortRules = new();

    // What kube-proxy writes the same on every node, held once: the addresses bound to kube-ipvs0 and the virtual
    // services of the cluster's traffic. Every node's kube-ipvs0 and IPVS share them (SharedAddresses, IpvsServiceTable).
    private readonly SharedAddresses _addresses = new();
    private readonly IpvsServiceTable _table = new();

    /// <param name="strictArp">
    /// kube-proxy's ipvs.strictARP: arp_ignore 1 on every node, so no node answers ARP for the addresses on
    /// kube-ipvs0 (MetalLB's L2 mode requires it: otherwise every node claims every LoadBalancer IP).
    /// </param>
    /// <param name="shareAcrossNodes">
    /// True (the default): what every node holds the same (kube-ipvs0's addresses, the cluster's virtual services) is
    /// held once and each node's part made on first use. False: every node gets its own copy of each at once, as
    /// before; the same tables and the same traffic, for comparison.
    /// </param>
    public KubeProxyIpvs(KubernetesCluster cluster, IpvsScheduler scheduler = IpvsScheduler.RoundRobin, bool strictArp = false, bool shareAcrossNodes = true)
    {
        Cluster = cluster;
        Scheduler = scheduler;
        SharesAcrossNodes = shareAcrossNodes;
        foreach (var node in cluster.Nodes)
        {
            if (strictArp)
            {
                node.Root.ArpIgnore = 1;
            }

            var dummy = new DummyDevice(node.Root, "kube-ipvs0");
            var ipvs = node.Root.EnableIpvs();
            if (shareAcrossNodes)
            {
                node.Root.AttachSharedAddresses(dummy, _addresses);
                ipvs.Share(_table);
            }

            _nodePortRules.Install(node.Root.Netfilter!);
            _nodes[node] = (dummy, ipvs);
        }
    }

    public KubernetesCluster Cluster { get; }
    public IpvsScheduler Scheduler { get; }

    /// <summary>Whether the nodes share kube-ipvs0's addresses and the virtual services (see the constructor).</summary>
    public bool SharesAcrossNodes { get; }

    public IReadOnlyList<Service> Services => _installed;

    /// <summary>
    /// Binds the Service IP on every node's kube-ipvs0 and programs a virtual service with the endpoints its
    /// selector matches now. Every node gets the same virtual service and real servers (kube-proxy writes the same
    /// everywhere), so both are held once, in the table every node's IPVS shares; each node makes its own scheduler
    /// state for it when a connection first reaches it there, so adding a Service costs the same at 5,000 nodes as at 2.
    /// </summary>
    public void Add(Service service)
    {
        var endpoints = service.Endpoints(Cluster);
        Bind(service.ClusterIp); // once per address: each port of a Service is a virtual service of its own on it
        if (ServiceTopology.IsPerNode(service))
        {
            // A Service whose cluster traffic each node sends to its own choice (ServiceTopology: internalTrafficPolicy
            // Local, a trafficDistribution) has each node's own list, as each node's kube-proxy writes it; with an empty
            // one (Local, no endpoint on the node) IPVS finds no destination: ip_vs_leave drops the packet and sends
            // the client ICMP port unreachable, as icmp_send's rate limits allow (Ipv4.SendPortUnreachable).
            foreach (var (node, (_, ipvs)) in _nodes)
            {
                var own = RealServers(ServiceTopology.InternalEndpoints(service, endpoints, node), service.TargetPort);
                ipvs.AddService(service.Protocol, service.ClusterIp, service.Port, Scheduler, own, service.SessionAffinityTimeout); // ClientIP affinity: -p TIMEOUT
                if (node == Cluster.Nodes[0])
                {
                    _lists[service] = own; // what SyncLines counts, as one node's kube-proxy would
                }
            }
        }
        else
        {
            var servers = RealServers(endpoints, service.TargetPort);
            _lists[service] = servers;
            if (SharesAcrossNodes)
            {
                _table.Add(service.Protocol, service.ClusterIp, service.Port, Scheduler, servers, service.SessionAffinityTimeout);
            }
            else
            {
                foreach (var (_, ipvs) in _nodes.Values)
                {
                    ipvs.AddService(service.Protocol, service.ClusterIp, service.Port, Scheduler, servers, service.SessionAffinityTimeout);
                }
            }
        }

        if (service.NodePort is { } nodePort)
        {
            AddNodePort(service, nodePort, endpoints);
        }

        if (service.LoadBalancerIp is { } lbIp)
        {
            AddLoadBalancerIp(service, lbIp, endpoints);
        }

        _installed.Add(service);
    }

    /// <summary>
    /// The NodePort: a virtual service NODE-ADDRESS:NODEPORT for every address the node holds outside kube-ipvs0
    /// (kube-proxy's nodePortAddresses default: all of them, from GetAllLocalAddressesExcept(kube-ipvs0); lo's
    /// 127.0.0.1 is left out here, as route_localnet is not modelled), with all endpoints or, for
    /// externalTrafficPolicy Local, the node's own. The port joins KUBE-NODE-PORT-TCP (and -LOCAL-TCP for
    /// Local), which decides the masquerade.
    /// </summary>
    private void AddNodePort(Service service, ushort nodePort, IReadOnlyList<Pod> endpoints)
    {
        _nodePortRules.Add(service.Protocol, nodePort, service.ExternalTrafficPolicy);
        bool perNode = service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local || service.TrafficDistribution != TrafficDistribution.Default;
        var all = perNode ? null : RealServers(endpoints, service.TargetPort);
        foreach (var (node, (dummy, ipvs)) in _nodes)
        {
            // Local: each node's own endpoints, a list of its own (shared by its addresses); Cluster: the cluster
            // endpoints (CategorizeEndpoints: every endpoint, or those a trafficDistribution leaves the node).
            var servers = all ?? RealServers(
                service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local ? endpoints.Where(p => p.Node == node) : ServiceTopology.ClusterEndpoints(service, endpoints, node),
                service.TargetPort);
            var own = new List<IpvsVirtualService>();
            foreach (var address in NodeAddresses(node, dummy))
            {
                own.Add(ipvs.AddService(service.Protocol, address, nodePort, Scheduler, servers, service.SessionAffinityTimeout));
            }

            _nodePortServices[(service, node)] = own;
        }
    }

    /// <summary>Binds an address to every node's kube-ipvs0 (<c>ip addr add ADDRESS/32 dev kube-ipvs0</c>), once.</summary>
    private void Bind(Ipv4Address address)
    {
        if (SharesAcrossNodes)
        {
            _addresses.Add(address);
            return;
        }

        foreach (var (node, (dummy, _)) in _nodes)
        {
            if (node.Root.OwnerOf(address) != dummy)
            {
                node.Root.AddAddress(dummy, address, 32);
            }
        }
    }

    private static IpvsRealServers RealServers(IEnumerable<Pod> endpoints, ushort port)
    {
        var servers = new IpvsRealServers();
        foreach (var pod in endpoints)
        {
            servers.Add(pod.Ip, port);
        }

        return servers;
    }

    /// <summary>The addresses a node serves NodePorts on: eth0's, and those of cni0, flannel.1 or tunl0 where the plugin made them.</summary>
    private static IEnumerable<Ipv4Address> NodeAddresses(Node node, DummyDevice dummy) =>
        node.Root.Devices
            .Where(d => d != dummy && d is not LoopbackDevice && d.PrimaryAddress is not null)
            .Select(d => d.PrimaryAddress!.Value)
            .Distinct();

    /// <summary>
    /// The LoadBalancer IP is bound to kube-ipvs0 too, with its own virtual service: all endpoints, or for
    /// externalTrafficPolicy Local only the node's own (no SNAT needed: the reply leaves through this node).
    /// </summary>
    private void AddLoadBalancerIp(Service service, Ipv4Address lbIp, IReadOnlyList<Pod> endpoints)
    {
        if (service.ExternalTrafficPolicy == ExternalTrafficPolicy.Cluster)
        {
            // The real proxy masquerades this traffic through the KUBE-LOAD-BALANCER ipset and KUBE-MARK-MASQ,
            // which is not modelled; without it a reply from another node's endpoint would bypass this node.
            throw new NotSupportedException(
                $"Service {service.Name}: a LoadBalancer IP with externalTrafficPolicy Cluster is not modelled in IPVS mode yet (its masquerade rules are missing); use Local, or the iptables mode.");
        }

        Bind(lbIp);
        foreach (var (node, (_, ipvs)) in _nodes)
        {
            var virtualService = ipvs.AddService(service.Protocol, lbIp, service.Port, Scheduler, persistence: service.SessionAffinityTimeout);
            foreach (var pod in endpoints.Where(p => p.Node == node))
            {
                virtualService.AddRealServer(pod.Ip, service.TargetPort);
            }
        }
    }
}
