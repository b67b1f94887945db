using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>
/// kube-proxy's ipvs proxier programs every node alike (pkg/proxy/ipvs/proxier.go syncProxyRules: each Service IP
/// bound to kube-ipvs0 and a virtual service with the same real servers, on every node), so NetPerf holds the
/// addresses and the virtual services once and makes a node's own part (its local route to the address, its
/// scheduler's position and connection counts) when it first needs it. What each node's kernel answers and how
/// it schedules must be what it was when every node held its own copy: the eager build, route for route,
/// connection for connection, and CPU for CPU.
/// </summary>
public sealed class SharedIpvsServicesTests
{
    private const int Nodes = 8, Groups = 5, Services = 40;

    private sealed record Setup(KubernetesCluster Cluster, KubeProxyIpvs Proxy, List<Service> Services, List<Pod> Clients, List<TcpCounter> Servers);

    /// <summary>
    /// 8 nodes, 3 server pods on each in 5 label groups, a client pod on each; 40 Services over the groups, every
    /// fifth with ClientIP affinity, every seventh a NodePort, one with internalTrafficPolicy Local (each node's own list).
    /// </summary>
    private static Setup Build(string cni, bool share)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = Nodes }, CniPlugin.ByName(cni));
        var groups = Enumerable.Range(0, Groups).Select(g => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["app"] = $"g{g}" }).ToArray();
        var servers = new List<TcpCounter>();
        for (int n = 1; n <= Nodes; n++)
        {
            for (int j = 0; j < 3; j++)
            {
                var pod = cluster.AddPod($"srv-{n}-{j}", n, groups[((n * 3) + j) % Groups]);
                servers.Add(new TcpCounter());
                _ = new TcpListener(pod.Namespace, 8080, servers[^1]);
            }
        }

        var clients = Enumerable.Range(1, Nodes).Select(n => cluster.AddPod($"client-{n}", n)).ToList();
        var proxy = new KubeProxyIpvs(cluster, shareAcrossNodes: share);
        var services = new List<Service>();
        for (int i = 0; i < Services; i++)
        {
            var service = new Service($"s{i}", new Ipv4Address(0x0A600100u + (uint)i + 1), 80, 8080, IpProtocol.Tcp, groups[i % Groups])
            {
                SessionAffinityTimeout = i % 5 == 4 ? Service.DefaultAffinityTimeout : null,
                NodePort = i % 7 == 3 ? (ushort)(30000 + i) : null,
                InternalTrafficPolicy = i == 11 ? InternalTrafficPolicy.Local : InternalTrafficPolicy.Cluster,
            };
            proxy.Add(service);
            services.Add(service);
        }

        return new Setup(cluster, proxy, services, clients, servers);
    }

    /// <summary>Seeded random connections from the clients to the Services (and to NodePorts on random nodes), a few at a time.</summary>
    private static void Connect(Setup s, int seed, int count)
    {
        var random = new Random(seed);
        var sim = s.Cluster.Bed.Sim;
        for (int i = 0; i < count; i++)
        {
            var client = s.Clients[random.Next(Nodes)];
            var service = s.Services[random.Next(Services)];
            var (address, port) = service.NodePort is { } nodePort && random.Next(2) == 0
                ? (s.Cluster.Nodes[random.Next(Nodes)].Ip, nodePort)
                : (service.ClusterIp, service.Port);
            _ = TcpSocket.Connect(client.Namespace, address, port, new TcpWriter(100));
            if (i % 4 == 3)
            {
                sim.RunUntil(sim.Now + SimTime.FromMilliseconds(2));
            }
        }

        sim.RunUntil(sim.Now + SimTime.FromMilliseconds(20));
    }

    /// <summary>What a node's kernel says of an address: <c>ip route get</c>, the device that owns it, whether eth0 answers ARP for it.</summary>
    private static string Describe(Node node, Ipv4Address address)
    {
        var route = node.Root.Fib.Lookup(address);
        return $"{route?.ToString(i => node.Root.Device(i).Name) ?? "unreachable"}; owner {node.Root.OwnerOf(address)?.Name ?? "none"}; local {node.Root.IsLocal(address)}; arp {node.Eth0.AnswersArpFor(address)}";
    }

    private static string Traffic(Setup s) =>
        string.Join(" ", s.Servers.Select(c => $"{c.Connections}/{c.Received}"))
        + " | " + string.Join(" ", s.Cluster.Nodes.Select(n => $"{n.Root.Ipvs!.Connections}:{n.Host.TotalCpuPicoseconds}"));

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("calico-bgp")]
    public void Every_nodes_addresses_routes_and_scheduling_equal_the_eager_builds(string cni)
    {
        var eager = Build(cni, share: false);
        var shared = Build(cni, share: true);
        Assert.True(shared.Proxy.SharesAcrossNodes);

        // ip route get, ownership and ARP for seeded random (node, Service IP) pairs, and for a node's own address.
        var random = new Random(14);
        for (int i = 0; i < 200; i++)
        {
            int n = random.Next(Nodes);
            var address = random.Next(10) == 0 ? eager.Cluster.Nodes[random.Next(Nodes)].Ip : eager.Services[random.Next(Services)].ClusterIp;
            Assert.Equal(Describe(eager.Cluster.Nodes[n], address), Describe(shared.Cluster.Nodes[n], address));
        }

        // What `ip route` counts on each node: every Service IP's local route, built or not.
        Assert.Equal(eager.Cluster.Nodes.Select(n => n.Root.Fib.Count), shared.Cluster.Nodes.Select(n => n.Root.Fib.Count));

        // The same connections land on the same real servers, from every node's own round robin and affinity, at the same CPU.
        Connect(eager, 7, 240);
        Connect(shared, 7, 240);
        Assert.Equal(Traffic(eager), Traffic(shared));
        Assert.True(eager.Servers.Sum(c => c.Connections) > 200); // most connections were served (Local's on a node without its endpoint are refused)
    }

    [Fact]
    public void An_endpoint_taken_out_is_quiesced_on_every_node_including_those_that_had_not_yet_served_the_Service()
    {
        // Graceful termination (pkg/proxy/ipvs/graceful_termination.go): weight 0 on every node's real server. A node
        // whose own state for the Service is made after the change must see it too.
        var eager = Build("flannel-vxlan", share: false);
        var shared = Build("flannel-vxlan", share: true);
        var service = eager.Services[0];
        int[] Scheduled(Setup s, int server) => [.. s.Cluster.Nodes.Select(n => n.Root.Ipvs!.Find(IpProtocol.Tcp, service.ClusterIp, service.Port)!.ActiveConnections[server])];
        foreach (var s in new[] { eager, shared })
        {
            Connect(s, 3, 40);
        }

        int[] before = Scheduled(eager, 0); // eager: every node's state exists already, reading it makes nothing
        int[] others = Scheduled(eager, 1);
        foreach (var s in new[] { eager, shared })
        {
            s.Proxy.ReplaceEndpoints(s.Services[0], [.. s.Services[0].Endpoints(s.Cluster).Skip(1)]);
        }

        Connect(eager, 5, 400);
        Connect(shared, 5, 400);
        Assert.Equal(Traffic(eager), Traffic(shared));
        Assert.Equal(before, Scheduled(eager, 0));
        Assert.Equal(before, Scheduled(shared, 0)); // no node scheduled the quiesced server again
        Assert.True(Scheduled(shared, 1).Sum() > others.Sum()); // while the Service kept taking connections
        Assert.All(shared.Cluster.Nodes, n => Assert.Equal(0, n.Root.Ipvs!.Find(IpProtocol.Tcp, service.ClusterIp, service.Port)!.Weights[0]));
    }
}
