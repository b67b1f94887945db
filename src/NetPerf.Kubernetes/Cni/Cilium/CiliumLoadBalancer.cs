using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Cilium's load-balancing maps (cilium_lb4_services_v2, cilium_lb4_backends_v3; bpf/lib/lb.h), the same on every
/// node: each Service's ClusterIP frontend and its backends, and with kube-proxy replacement its NodePort frontend
/// (served on every node's addresses), as the agent writes them when it sees the Service.
/// A ClusterIP flow's backend is chosen by its tuple's hash (Cilium's default selection is random; a hash keeps
/// runs reproducible and is as even), and stays the flow's through its conntrack entry.
/// </summary>
internal sealed class CiliumLoadBalancer
{
    private readonly Dictionary<(uint Address, ushort Port, IpProtocol Protocol), Frontend> _frontends = [];
    private readonly Dictionary<(ushort Port, IpProtocol Protocol), NodePortFrontend> _nodePorts = [];

    public int Count => _frontends.Count;

    /// <summary>Writes (or rewrites) the Service's frontends with these backends.</summary>
    public void Add(Service service, IReadOnlyList<Pod> endpoints)
    {
        var backends = endpoints.Select(p => (p.Ip, service.TargetPort)).ToArray();
        _frontends[(service.ClusterIp.Value, service.Port, service.Protocol)] = new Frontend(service.ClusterIp, service.Port, backends);
        if (service.NodePort is { } nodePort)
        {
            var all = endpoints.Select(p => new CiliumBackend(p.Ip, service.TargetPort, p.Node)).ToArray();
            _nodePorts[(nodePort, service.Protocol)] = new NodePortFrontend(service.Name, nodePort, service.ExternalTrafficPolicy, all);
        }
    }

    /// <summary>The NodePort frontend on <paramref name="port"/>, if a Service has one (on every node's addresses).</summary>
    public NodePortFrontend? NodePort(ushort port, IpProtocol protocol) => _nodePorts.GetValueOrDefault((port, protocol));

    /// <summary>The backend a flow to a ClusterIP frontend goes to; false when the destination is no frontend (or one without backends).</summary>
    public bool TrySelect(in FiveTuple flow, out Ipv4Address backend, out ushort port)
    {
        if (_frontends.TryGetValue((flow.Destination.Value, flow.DestinationPort, flow.Protocol), out var frontend) && frontend.Backends.Length > 0)
        {
            (backend, port) = frontend.Backends[(int)(flow.Hash() % (uint)frontend.Backends.Length)];
            return true;
        }

        backend = default;
        port = 0;
        return false;
    }

    /// <summary>
    /// Socket LB's choice at connect() (bpf_sock.c __sock4_xlate_fwd): a random backend slot
    /// (bpf_get_prandom_u32, Cilium's default selection), from <paramref name="random"/> so a run is reproducible.
    /// </summary>
    public bool TrySelectRandom(Ipv4Address address, ushort port, IpProtocol protocol, Engine.Random.RngStream random, out Ipv4Address backend, out ushort backendPort)
    {
        if (_frontends.TryGetValue((address.Value, port, protocol), out var frontend) && frontend.Backends.Length > 0)
        {
            (backend, backendPort) = frontend.Backends[random.Next(frontend.Backends.Length)];
            return true;
        }

        backend = default;
        backendPort = 0;
        return false;
    }

    private sealed record Frontend(Ipv4Address Address, ushort Port, (Ipv4Address Address, ushort Port)[] Backends);
}

/// <summary>A Service backend in Cilium's backend map: the pod's address and target port, and the node it runs on.</summary>
internal sealed record CiliumBackend(Ipv4Address Address, ushort Port, Node Node);

/// <summary>
/// A NodePort frontend (lb4_lookup_service on the node's address and the NodePort): its backends, and with
/// externalTrafficPolicy Local, per node only the backends on that node (Cilium's separate "local" backend set,
/// so a node without one drops the packet rather than forwarding it). Maglev lookup tables are built when first
/// used, one per backend set, and depend on nothing but the backends and the table size: every node's is the same.
/// </summary>
internal sealed class NodePortFrontend(string service, ushort port, ExternalTrafficPolicy policy, CiliumBackend[] backends)
{
    private readonly Dictionary<Node, CiliumBackend[]> _local = [];
    private readonly Dictionary<(Node?, int), int[]> _maglev = [];

    public string Service { get; } = service;

    public ushort Port { get; } = port;

    public ExternalTrafficPolicy Policy { get; } = policy;

    /// <summary>The backends a packet entering <paramref name="node"/> may go to: all, or with Local only the node's own.</summary>
    public CiliumBackend[] BackendsFor(Node node)
    {
        if (Policy != ExternalTrafficPolicy.Local)
        {
            return backends;
        }

        if (!_local.TryGetValue(node, out var local))
        {
            local = [.. backends.Where(b => b.Node == node)];
            _local[node] = local;
        }

        return local;
    }

    /// <summary>lb4_select_backend_id_maglev: the flow's hash (hash_from_tuple_v4) indexes the set's lookup table.</summary>
    public CiliumBackend SelectMaglev(Node node, in FiveTuple flow, int tableSize)
    {
        var set = BackendsFor(node);
        var key = (Policy == ExternalTrafficPolicy.Local ? node : null, tableSize);
        if (!_maglev.TryGetValue(key, out var table))
        {
            table = CiliumMaglev.Populate(set, tableSize);
            _maglev[key] = table;
        }

        return set[table[flow.Hash() % (uint)tableSize]];
    }
}
