using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>
/// kube-proxy's iptables proxier writes the same KUBE-SERVICES portals on every node, so NetPerf holds them once
/// while the nodes' chains agree (<see cref="SharedRules"/>) and each endpoint's KUBE-SEP rules once per pod and
/// port (<c>EndpointRuleCache</c>). Every node's chains must read, walk and change as they did when each node
/// held its own: rule for rule, connection for connection and CPU for CPU, also after a LoadBalancer IP's rule
/// (a per-node change) and a deletion.
/// </summary>
public sealed class SharedIptablesPortalsTests
{
    private const int Nodes = 6, Groups = 4, Services = 30;

    private sealed record Setup(KubernetesCluster Cluster, KubeProxyIptables Proxy, List<Service> Services, List<Pod> Clients, List<TcpCounter> Servers);

    /// <summary>
    /// 6 nodes, 2 server pods on each in 4 label groups, a client on each; 30 Services over the groups (every
    /// sixth with ClientIP affinity, every seventh a NodePort; many with one selector and target port, their
    /// endpoints' rules shared): the 3rd deleted after the 11th is added (the portals still shared), the 21st a
    /// LoadBalancer (externalTrafficPolicy Cluster: its rule shared too), the 26th a LoadBalancer with Local (each
    /// node's own from then on), then the 5th deleted.
    /// </summary>
    private static Setup Build(bool share)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = Nodes }, CniPlugin.ByName("calico-bgp"));
        var groups = Enumerable.Range(0, Groups).Select(g => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["app"] = $"g{g}" }).ToArray();
        var servers = new List<TcpCounter>();
        for (int n = 1; n <= Nodes; n++)
        {
            for (int j = 0; j < 2; j++)
            {
                var pod = cluster.AddPod($"srv-{n}-{j}", n, groups[((n * 2) + j) % Groups]);
                servers.Add(new TcpCounter());
                _ = new TcpListener(pod.Namespace, 8080, servers[^1]);
            }
        }

        var clients = Enumerable.Range(1, Nodes).Select(n => cluster.AddPod($"client-{n}", n)).ToList();
        var proxy = new KubeProxyIptables(cluster, shareAcrossNodes: share);
        var services = new List<Service>();
        for (int i = 0; i < Services; i++)
        {
            var service = new Service($"s{i}", new Ipv4Address(0x0A600100u + (uint)i + 1), 80, 8080, IpProtocol.Tcp, groups[i % Groups])
            {
                SessionAffinityTimeout = i % 6 == 5 ? Service.DefaultAffinityTimeout : null,
                NodePort = i % 7 == 3 || i is 20 or 25 ? (ushort)(30000 + i) : null,
                LoadBalancerIp = i is 20 or 25 ? new Ipv4Address(0xCB007100u + (uint)i) : null,
                ExternalTrafficPolicy = i == 25 ? ExternalTrafficPolicy.Local : ExternalTrafficPolicy.Cluster,
            };
            proxy.Add(service);
            services.Add(service);
            if (i == 10)
            {
                proxy.Remove(services[2]);
            }
        }

        services.RemoveAt(2);
        proxy.Remove(services[3]); // the 5th
        services.RemoveAt(3);
        return new Setup(cluster, proxy, services, clients, servers);
    }

    /// <summary>What <c>iptables -t nat -S KUBE-SERVICES</c> and the chains it jumps to say on a node, rule by rule.</summary>
    private static string NatRules(Node node)
    {
        var services = node.Root.Netfilter!.NatPreRouting.Rules.Single(r => r.Comment == "kubernetes service portals").JumpTo!;
        return string.Join("\n", services.Rules.Select(r => $"{r} -> [{string.Join("; ", r.JumpTo?.Rules.Select(j => $"{j} -> [{string.Join("; ", j.JumpTo?.Rules ?? [])}]") ?? [])}]"));
    }

    private static void Connect(Setup s, int seed, int count)
    {
        var random = new Random(seed);
        var sim = s.Cluster.Bed.Sim;
        for (int i = 0; i < count; i++)
        {
            var client = s.Clients[random.Next(Nodes)];
            var service = s.Services[random.Next(s.Services.Count)];
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

    [Fact]
    public void Every_nodes_chains_connections_and_cpu_equal_those_of_each_node_holding_its_own()
    {
        var eager = Build(share: false);
        var shared = Build(share: true);
        for (int n = 0; n < Nodes; n++)
        {
            Assert.Equal(NatRules(eager.Cluster.Nodes[n]), NatRules(shared.Cluster.Nodes[n]));
        }

        Connect(eager, 11, 200);
        Connect(shared, 11, 200);
        string Traffic(Setup s) => string.Join(" ", s.Servers.Select(c => $"{c.Connections}/{c.Received}"))
            + " | " + string.Join(" ", s.Cluster.Nodes.Select(n => $"{n.Root.Netfilter!.RulesEvaluated}:{n.Host.TotalCpuPicoseconds}"));
        Assert.Equal(Traffic(eager), Traffic(shared));
        Assert.True(eager.Servers.Sum(c => c.Connections) > 180);
    }

    [Fact]
    public void Portals_are_held_once_until_a_node_needs_its_own_and_endpoint_rules_once_per_pod_and_port()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
        var web = new Dictionary<string, string> { ["app"] = "web" };
        cluster.AddPod("web-1", 1, web);
        var proxy = new KubeProxyIptables(cluster);
        Chain Services(Node n) => n.Root.Netfilter!.NatPreRouting.Rules.Single(r => r.Comment == "kubernetes service portals").JumpTo!;
        Chain Sep(Chain services, int portal) => services.Rules[portal].JumpTo!.Rules[^1].JumpTo!;

        proxy.Add(new Service("a", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, web));
        proxy.Add(new Service("b", Ipv4Address.Parse("10.96.0.11"), 81, 8080, IpProtocol.Tcp, web));
        proxy.Add(new Service("c", Ipv4Address.Parse("10.96.0.12"), 82, 9090, IpProtocol.Tcp, web));
        var first = Services(cluster.Nodes[0]);
        Assert.Same(first.Rules[0], Services(cluster.Nodes[2]).Rules[0]);
        Assert.All(cluster.Nodes, n => Assert.True(Services(n).WalksSharedRules));

        // a and b reach web-1 on 8080: their KUBE-SEP chains are two (named for each Service), their rules one pair;
        // c's DNAT goes to 9090: its own.
        Chain sepA = Sep(first, 0), sepB = Sep(first, 1), sepC = Sep(first, 2);
        Assert.NotEqual(sepA.Name, sepB.Name);
        Assert.Same(sepA.Rules[1], sepB.Rules[1]);
        Assert.Equal((ushort)8080, sepB.Rules[1].NatPort);
        Assert.Equal((ushort)9090, sepC.Rules[1].NatPort);
        Assert.Same(sepA.Rules[0], sepC.Rules[0]); // -s POD/32 -j KUBE-MARK-MASQ: the same for every port

        // An externalTrafficPolicy Cluster LoadBalancer's rule is the same on every node (one KUBE-EXT-X): still shared.
        proxy.Add(new Service("lb", Ipv4Address.Parse("10.96.0.13"), 80, 8080, IpProtocol.Tcp, web) { NodePort = 30080, LoadBalancerIp = Ipv4Address.Parse("203.0.113.7") });
        Assert.All(cluster.Nodes, n => Assert.True(Services(n).WalksSharedRules));

        // With Local each node's KUBE-EXT-X is its own, so is the rule that leads to it: every node holds its own portals.
        proxy.Add(new Service("local", Ipv4Address.Parse("10.96.0.14"), 80, 8080, IpProtocol.Tcp, web)
        {
            NodePort = 30081, LoadBalancerIp = Ipv4Address.Parse("203.0.113.8"), ExternalTrafficPolicy = ExternalTrafficPolicy.Local,
        });
        proxy.Add(new Service("d", Ipv4Address.Parse("10.96.0.15"), 83, 8080, IpProtocol.Tcp, web));
        foreach (var node in cluster.Nodes)
        {
            Assert.False(Services(node).WalksSharedRules);
            Assert.Equal(["a cluster IP", "b cluster IP", "c cluster IP", "lb cluster IP", "lb loadbalancer IP", "local cluster IP", "local loadbalancer IP", "d cluster IP", "kubernetes service nodeports"],
                Services(node).Rules.Select(r => r.Comment));
        }

        Assert.NotSame(Services(cluster.Nodes[0]).Rules[6].JumpTo, Services(cluster.Nodes[1]).Rules[6].JumpTo); // each node's KUBE-EXT-X
    }
}
