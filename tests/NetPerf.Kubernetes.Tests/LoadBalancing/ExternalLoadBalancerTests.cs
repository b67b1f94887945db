using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.LoadBalancing;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.LoadBalancing;

/// <summary>
/// A LoadBalancer Service fronted by an LVS-NAT director outside the cluster (203.0.113.100 on the outside
/// network), forwarding to the nodes' NodePort 30080, with kube-proxy's health checks deciding who gets traffic.
/// </summary>
public class ExternalLoadBalancerTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("203.0.113.100");
    private static readonly Ipv4Address ClientIp = Ipv4Address.Parse("203.0.113.10");

    private static (KubernetesCluster Cluster, ExternalLoadBalancer Lb, IpvsVirtualServiceHandle Vs) Build(
        ExternalTrafficPolicy policy, int[] webNodes, IpProtocol protocol, Func<Pod, object> serve, CostTable? costs = null)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, Costs = costs ?? CostTable.Default() }, CniPlugin.ByName("calico-bgp"));
        for (int i = 0; i < webNodes.Length; i++)
        {
            serve(cluster.AddPod($"web-{i + 1}", webNodes[i], Web));
        }

        var proxy = new KubeProxyIptables(cluster);
        var web = new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, protocol, Web)
        {
            NodePort = 30080, LoadBalancerIp = Vip, ExternalTrafficPolicy = policy,
            HealthCheckNodePort = policy == ExternalTrafficPolicy.Local ? (ushort)31000 : null,
        };
        proxy.Add(web);
        var lb = new ExternalLoadBalancer(cluster, new KubeProxyHealthServers(cluster));
        var vs = lb.Publish(web, Vip);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1)); // the first round of health checks
        return (cluster, lb, new IpvsVirtualServiceHandle(vs));
    }

    internal sealed record IpvsVirtualServiceHandle(Network.Netfilter.IpvsVirtualService Service);

    [Fact]
    public void An_outside_datagram_crosses_the_director_a_NodePort_and_the_pods_node_and_the_answer_comes_back_from_the_VIP()
    {
        var echo = new UdpEcho();
        var (cluster, lb, _) = Build(ExternalTrafficPolicy.Cluster, [2], IpProtocol.Udp,
            pod => new UdpSocket(pod.Namespace, pod.Ip, 8080) { Receiver = echo }, CostTable.Uniform(StageCost.Nanoseconds(100)));
        var trace = new RecordingTracer();
        foreach (var host in cluster.Nodes.Select(n => n.Host).Append(lb.Host).Append(lb.Client))
        {
            host.Tracer = trace;
        }

        var answers = new UdpSources();
        var client = new UdpSocket(lb.Client.Root, ClientIp, 40000) { Receiver = answers };
        client.Send(Vip, 80, 100);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(2));

        // The pod sees node1 (the first real server, round robin), masqueraded by externalTrafficPolicy Cluster;
        // the client sees the VIP: node1 un-NATs the reply, routes it to its gateway, the director, whose IPVS
        // puts the VIP back.
        Assert.Equal((cluster.Node(1).Ip, (ushort)40000), Assert.Single(echo.From));
        Assert.Equal((Vip, (ushort)80), Assert.Single(answers.From));
        Assert.Empty(trace.Drops);
        string[] there =
        [
            "lb-client/root Syscall", "lb-client/root UdpOutput", "lb-client/root FibLookup", "lb-client/root/eth0 IpOutput", "lb-client/root/eth0 NicTransmit",
            // the director: VIP local on vips0, IPVS at LOCAL_IN sends it on to 192.168.0.1:30080
            "lb/root/eth1 NicReceive", "lb/root/eth1 IpInput", "lb/root/eth1 NetfilterHook", "lb/root/eth1 ConntrackLookup", "lb/root/eth1 ConntrackNew",
            "lb/root/eth1 FibLookup", "lb/root/eth1 NetfilterHook", "lb/root/eth1 IpvsLookup", "lb/root/eth1 IpvsSchedule", "lb/root/eth1 Nat",
            "lb/root FibLookup", "lb/root/eth0 NetfilterHook", "lb/root/eth0 IpOutput", "lb/root/eth0 NetfilterHook", "lb/root/eth0 NicTransmit",
        ];
        Assert.Equal(there, trace.Stages.Take(there.Length));
        int node1 = trace.Stages.IndexOf("node1/root/eth0 NicReceive");
        int pod = trace.Stages.IndexOf("node2/web-1 UdpInput");
        int back = trace.Stages.LastIndexOf("node1/root/eth0 NicTransmit");
        int director = trace.Stages.LastIndexOf("lb/root/eth1 NicTransmit");
        Assert.True(there.Length == node1 && node1 < pod && pod < back && back < director, string.Join("\n", trace.Stages));
        Assert.Contains("lb/root/eth1 IpForward", trace.Stages.Skip(back)); // the reply is routed, not delivered, at the director
    }

    [Theory]
    [InlineData(ExternalTrafficPolicy.Cluster, new[] { 10, 10, 10 })]
    [InlineData(ExternalTrafficPolicy.Local, new[] { 0, 15, 15 })]
    public void Round_robin_goes_over_the_nodes_that_pass_the_health_check(ExternalTrafficPolicy policy, int[] perNode)
    {
        // Web pods on nodes 2 and 3 only. With Local, node1's healthCheckNodePort answers 503: it never gets a connection.
        var counters = new List<TcpCounter>();
        var (cluster, lb, vs) = Build(policy, [2, 3], IpProtocol.Tcp, pod =>
        {
            var counter = new TcpCounter();
            counters.Add(counter);
            return new TcpListener(pod.Namespace, 8080, counter);
        });
        Assert.Equal(policy == ExternalTrafficPolicy.Cluster, lb.IsHealthy(vs.Service, cluster.Node(1)));
        Assert.True(lb.IsHealthy(vs.Service, cluster.Node(2)) && lb.IsHealthy(vs.Service, cluster.Node(3)));

        var sockets = Enumerable.Range(0, 30).Select(_ => TcpSocket.Connect(lb.Client.Root, Vip, 80, new TcpWriter(1000))).ToList();
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(50));

        Assert.Equal(perNode, vs.Service.ActiveConnections);
        Assert.Equal(30_000, counters.Sum(c => c.Received));
        Assert.All(sockets, s => Assert.Equal(0, s.Statistics.ForeignSegments)); // every reply came from the VIP
        var peers = counters.SelectMany(c => c.Peers).Distinct().ToList();
        if (policy == ExternalTrafficPolicy.Local)
        {
            Assert.Equal([ClientIp], peers); // no SNAT anywhere: the pods see the outside client
        }
        else
        {
            Assert.DoesNotContain(ClientIp, peers); // masqueraded by the node the director chose
        }
    }

    [Fact]
    public void A_node_without_a_local_endpoint_answers_503_and_stays_out_across_check_rounds()
    {
        var (cluster, lb, vs) = Build(ExternalTrafficPolicy.Local, [2], IpProtocol.Tcp, pod => new TcpListener(pod.Namespace, 8080, new TcpCounter()));
        cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(17)); // three rounds, at 0, 8 and 16 s
        Assert.Equal([false, true, false], cluster.Nodes.Select(n => lb.IsHealthy(vs.Service, n)));
        Assert.Equal([0, 1, 0], vs.Service.Weights);
    }
}
