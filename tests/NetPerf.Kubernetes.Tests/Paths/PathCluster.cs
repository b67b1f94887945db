using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Dns;
using NetPerf.Kubernetes.LoadBalancing;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Tests.Paths;

/// <summary>
/// The scenario runner's layout of the paths, built here with the Kubernetes API alone: two nodes; client and
/// web-0 on node1, web-1 (the web Service's only endpoint) and coredns on node2; an outside host on the switch;
/// for the load-balancer path an LVS-NAT director in front of the NodePorts; for the host network paths a
/// hostNetwork client on node1 and a hostNetwork server on node2 (node-local: node1). One UDP datagram goes out on the
/// path, and the server echoes it back to wherever it came from.
/// </summary>
internal sealed class PathCluster
{
    public static readonly Ipv4Address KubeDnsIp = Ipv4Address.Parse("10.96.0.10");
    public static readonly Ipv4Address WebIp = Ipv4Address.Parse("10.96.0.20");
    public static readonly Ipv4Address Vip = Ipv4Address.Parse("203.0.113.100");
    public const ushort ServicePort = 80;
    public const ushort ServerPort = 8080;
    public const ushort NodePort = 30080;
    public const ushort ClientPort = 40000;

    private static readonly Dictionary<string, string> Remote = new() { ["app"] = "web-remote" };
    private static readonly Dictionary<string, string> KubeDnsLabels = new() { ["k8s-app"] = "kube-dns" };

    public PathCluster(string cni, string mode, string path)
        : this(CniPlugin.ByName(cni), mode, path)
    {
    }

    /// <summary>The layout on a plugin configured by the caller (Cilium's host routing, say), on nodes of <paramref name="nodeMtu"/>.</summary>
    public PathCluster(CniPlugin cni, string mode, string path, int nodeMtu = 1500)
    {
        Cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, NodeMtu = nodeMtu }, cni);
        Client = Cluster.AddPod("client", 1);
        var web0 = Cluster.AddPod("web-0", 1, new Dictionary<string, string> { ["app"] = "web" });
        var web1 = Cluster.AddPod("web-1", 2, Remote);
        var coredns = Cluster.AddPod("coredns", 2, KubeDnsLabels);
        Action<Service> add = KubeProxyMode.Get(mode).Install(Cluster);
        add(new Service("kube-dns", KubeDnsIp, 53, 53, IpProtocol.Udp, KubeDnsLabels));
        var web = new Service("web", WebIp, ServicePort, ServerPort, IpProtocol.Udp, Remote) { NodePort = NodePort };
        add(web);
        var dns = new CoreDns(coredns);
        dns.AddService("web", "default", WebIp);
        dns.AddService("web-headless", "default", web1.Ip); // clusterIP: None: the answer is the pod
        var outside = Cluster.AddExternalHost("outside");
        var hostClient = Cluster.AddHostNetworkPod("host-client", 1);
        var hostServer = Cluster.AddHostNetworkPod("host-server", path == "node-local" ? 1 : 2);

        // Who sends, from where, to what address.
        (From, Source, Server, Destination, Port) = path switch
            {
                "localhost" => (Client.Namespace, Ipv4Address.Parse("127.0.0.1"), Client, Ipv4Address.Parse("127.0.0.1"), ServerPort),
                "pod-same-node" => (Client.Namespace, Client.Ip, web0, web0.Ip, ServerPort),
                "pod-cross-node" or "headless" => (Client.Namespace, Client.Ip, web1, web1.Ip, ServerPort),
                "cluster-ip" => (Client.Namespace, Client.Ip, web1, WebIp, ServicePort),
                "node-port" => (outside.Root, AddressOf(outside), web1, Cluster.Node(1).Ip, NodePort),
                "load-balancer" => (outside.Root, AddressOf(outside), web1, Vip, ServicePort), // replaced below
                "node-to-node" or "node-local" => (hostClient.Namespace, hostClient.Ip, hostServer, hostServer.Ip, ServerPort),
                _ => throw new ArgumentException($"unknown path {path}", nameof(path)),
            };

        if (path == "load-balancer")
        {
            var lb = new ExternalLoadBalancer(Cluster, new KubeProxyHealthServers(Cluster));
            var vs = lb.Publish(web, Vip);
            while (!Cluster.Nodes.All(n => lb.IsHealthy(vs, n)))
            {
                Cluster.Bed.Sim.RunUntil(Cluster.Bed.Sim.Now + SimTime.FromMicroseconds(100));
            }

            From = lb.Client.Root;
            Source = AddressOf(lb.Client);
            Hosts = [.. Cluster.Nodes.Select(n => n.Host), lb.Host, lb.Client];
        }
        else
        {
            Hosts = [.. Cluster.Nodes.Select(n => n.Host), outside];
        }

        if (path == "headless")
        {
            // Resolved before the trace starts: the lookup is the cluster-ip path to kube-dns, measured there.
            var resolver = new StubResolver(Client, new ResolvConf("default"), dns, KubeDnsIp);
            resolver.Resolve("web-headless", r => Resolved = r.Addresses);
            Cluster.Bed.Sim.RunUntil(Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(10));
            Destination = Resolved![0];
        }

        // No warm-up frames: resolving a pod's MAC teaches flannel's cni0 its port (as the ARP reply does), so the
        // traced frame is not flooded to every port.
        Echo = new UdpEcho();
        _ = new UdpSocket(Server.Namespace, path == "localhost" ? Ipv4Address.Parse("127.0.0.1") : Server.Ip, ServerPort) { Receiver = Echo };
        Answers = new UdpSources();
        _sender = new UdpSocket(From, Source, ClientPort) { Receiver = Answers };
    }

    private readonly UdpSocket _sender;

    public KubernetesCluster Cluster { get; }
    public Pod Client { get; }
    public IReadOnlyList<Host> Hosts { get; }
    public NetworkNamespace From { get; }
    public Ipv4Address Source { get; }
    public Pod Server { get; }
    public Ipv4Address Destination { get; }
    public ushort Port { get; }
    public UdpEcho Echo { get; }
    public UdpSources Answers { get; }
    public IReadOnlyList<Ipv4Address>? Resolved { get; private set; }

    /// <summary>Sends one datagram along the path, with every host traced, and runs until its answer is back.</summary>
    public HopTracer Send() => Send(new HopTracer());

    /// <summary>Sends one datagram along the path with every host traced by <paramref name="trace"/>, and runs until its answer is back.</summary>
    public T Send<T>(T trace)
        where T : IPacketTracer
    {
        foreach (var host in Hosts)
        {
            host.Tracer = trace;
        }

        _sender.Send(Destination, Port, 100);
        Cluster.Bed.Sim.RunUntil(Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(1));
        foreach (var host in Hosts)
        {
            host.Tracer = null;
        }

        return trace;
    }

    private static Ipv4Address AddressOf(Host host) => host.Root.Devices.OfType<PhysicalNic>().Single().PrimaryAddress!.Value;
}
