using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.LoadBalancing;

/// <summary>
/// An L4 load balancer outside the cluster, in front of the NodePorts, built as Linux Virtual Server in NAT mode
/// (LVS-NAT, an IPVS director): the VIP sits on a dummy device, IPVS DNATs each new connection to a node's
/// NodePort, round robin over the nodes that pass their health check, and keeps the client's address. So the
/// director is also the nodes' router to the outside: it holds the cluster's gateway address (192.168.15.254)
/// on eth0, and the outside network (203.0.113.0/24, TEST-NET-3) on eth1, where the outside client is cabled.
/// Replies come back through it on the nodes' default route, and IPVS gives them the VIP back at FORWARD.
/// Health checks poll kube-proxy over HTTP every 8 s: its /healthz (10256) for externalTrafficPolicy Cluster,
/// the Service's healthCheckNodePort for Local, where a node without a local endpoint answers 503 and is
/// quiesced (IPVS weight 0: no new connections) until it passes again.
/// </summary>
public sealed class ExternalLoadBalancer : IEventHandler
{
    /// <summary>The outside network: 203.0.113.0/24, TEST-NET-3 (RFC 5737); the director is .1, the client .10.</summary>
    public const string OutsideSubnet = "203.0.113.0/24";

    /// <summary>GCE's health checks for Services (checkIntervalSec 8 in the legacy cloud provider's gce_healthchecks.go).</summary>
    public static readonly SimTime DefaultCheckInterval = SimTime.FromSeconds(8);

    /// <summary>Consecutive failures before a healthy node is taken out (GCE: unhealthyThreshold 3); one success puts it back (healthyThreshold 1).</summary>
    public const int UnhealthyThreshold = 3;

    private readonly KubeProxyHealthServers _health;
    private readonly Ipvs _ipvs;
    private readonly DummyDevice _vips;
    private readonly List<Backend> _backends = [];

    public ExternalLoadBalancer(KubernetesCluster cluster, KubeProxyHealthServers health, string name = "lb")
    {
        if (cluster.Fabric is not null)
        {
            throw new NotSupportedException(
                $"the LVS-NAT director is the nodes' gateway on their one switch; on {cluster.Options.Racks} racks the ToR routers are, so replies would bypass it: build the cluster with one rack.");
        }

        Cluster = cluster;
        _health = health;
        var costs = cluster.Options.Costs;
        Host = new Host(cluster.Bed, name, costs, cluster.Options.CoresPerNode);
        Host.Root.IpForward = true;
        var eth0 = new PhysicalNic(Host.Root, "eth0", cluster.Options.NodeMtu);
        Host.Root.AddAddress(eth0, cluster.Gateway, cluster.NodeSubnet.Length);
        cluster.Switch.Connect(eth0);

        var outside = Ipv4Prefix.Parse(OutsideSubnet);
        var eth1 = new PhysicalNic(Host.Root, "eth1", cluster.Options.NodeMtu);
        Host.Root.AddAddress(eth1, outside[1], outside.Length);
        Client = new Host(cluster.Bed, $"{name}-client", costs, cluster.Options.CoresPerNode);
        var clientNic = new PhysicalNic(Client.Root, "eth0", cluster.Options.NodeMtu);
        Client.Root.AddAddress(clientNic, outside[10], outside.Length);
        Client.Root.AddRoute("0.0.0.0/0", clientNic, via: outside[1].ToString());
        PhysicalNic.Connect(eth1, clientNic, (long)(cluster.Options.LinkGigabits * 1e9), cluster.Options.Propagation);

        _vips = new DummyDevice(Host.Root, "vips0");
        _ipvs = Host.Root.EnableIpvs();
    }

    public KubernetesCluster Cluster { get; }

    /// <summary>The director.</summary>
    public Host Host { get; }

    /// <summary>A client on the outside network (203.0.113.10), routed via the director.</summary>
    public Host Client { get; }

    public SimTime CheckInterval { get; init; } = DefaultCheckInterval;

    /// <summary>
    /// <c>ipvsadm -A -t VIP:PORT -s rr</c> with every node's NodePort as a real server, each quiesced until its
    /// first health check passes; health checks start now.
    /// </summary>
    public IpvsVirtualService Publish(Service service, Ipv4Address vip)
    {
        if (service.NodePort is not { } nodePort)
        {
            throw new ArgumentException($"Service {service.Name} has no NodePort for a load balancer in front of the nodes to forward to.", nameof(service));
        }

        IReadOnlyDictionary<Node, HealthCheckServer>? perService = service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local ? _health.Serve(service) : null;
        Host.Root.AddAddress(_vips, vip, 32);
        var virtualService = _ipvs.AddService(service.Protocol, vip, service.Port, IpvsScheduler.RoundRobin);
        bool first = _backends.Count == 0;
        foreach (var node in Cluster.Nodes)
        {
            virtualService.AddRealServer(node.Ip, nodePort);
            int server = virtualService.RealServers.Count - 1;
            virtualService.SetWeight(server, 0);
            var checkedServer = perService?[node] ?? _health.Proxy(node);
            _backends.Add(new Backend(this, virtualService, server, node, checkedServer));
        }

        if (first)
        {
            Host.Sim.ScheduleOn(Host.Entity, Host.Sim.Now, this, 0); // the health checks are the balancer's own work
        }

        return virtualService;
    }

    /// <summary>Whether <paramref name="node"/> currently takes new connections for the VIP of <paramref name="virtualService"/>.</summary>
    public bool IsHealthy(IpvsVirtualService virtualService, Node node) =>
        _backends.Single(b => b.Service == virtualService && b.Node == node).Healthy;

    void IEventHandler.OnEvent(int kind, long arg)
    {
        foreach (var backend in _backends)
        {
            backend.Check();
        }

        Host.Sim.ScheduleAfter(CheckInterval, this, 0);
    }

    /// <summary>One real server and its health check: an HTTP GET, answered 200 or 503, or not at all before the next one.</summary>
    private sealed class Backend(ExternalLoadBalancer lb, IpvsVirtualService service, int server, Node node, HealthCheckServer target) : ITcpApplication
    {
        private int _failures;
        private bool _pending;
        private long _received;

        public IpvsVirtualService Service { get; } = service;
        public Node Node { get; } = node;
        public bool Healthy { get; private set; }

        public void Check()
        {
            if (_pending)
            {
                Result(ok: false); // no answer within the interval
            }

            _pending = true;
            _received = 0;
            _ = TcpSocket.Connect(lb.Host.Root, Node.Ip, target.Port, this);
        }

        public void OnConnected(TcpSocket socket) => socket.Send(HealthCheckServer.RequestBytes);

        public void OnReceived(TcpSocket socket, long bytes)
        {
            _received += bytes;
            if (_pending && _received >= HealthCheckServer.ResponseBytes)
            {
                Result(target.Status == 200);
            }
        }

        public void OnPeerClosed(TcpSocket socket) => socket.Close();

        public void OnClosed(TcpSocket socket) { }

        private void Result(bool ok)
        {
            _pending = false;
            _failures = ok ? 0 : _failures + 1;
            if (ok)
            {
                Healthy = true;
            }
            else if (_failures >= UnhealthyThreshold || !Healthy)
            {
                Healthy = false;
            }

            Service.SetWeight(server, Healthy ? 1 : 0);
        }
    }
}
