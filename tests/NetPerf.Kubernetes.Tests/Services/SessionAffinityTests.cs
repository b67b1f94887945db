using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>
/// sessionAffinity: ClientIP in every kube-proxy mode (iptables' -m recent, nftables' affinity sets, IPVS
/// persistence): three web pods, one on each node; clients open connection after connection to the ClusterIP.
/// </summary>
public class SessionAffinityTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address ClusterIp = Ipv4Address.Parse("10.96.0.10");

    private sealed record Setup(KubernetesCluster Cluster, List<Pod> Clients, List<TcpCounter> Servers);

    private static Setup Build(string mode, SimTime? affinity, int clients = 1)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("flannel-vxlan"));
        var servers = new List<TcpCounter>();
        for (int n = 1; n <= 3; n++)
        {
            var pod = cluster.AddPod($"web-{n}", n, Web);
            servers.Add(new TcpCounter());
            _ = new TcpListener(pod.Namespace, 8080, servers[^1]);
        }

        var service = new Service("web", ClusterIp, 80, 8080, IpProtocol.Tcp, Web) { SessionAffinityTimeout = affinity };
        Action<Service> add = mode switch
        {
            "iptables" => new KubeProxyIptables(cluster).Add,
            "ipvs" => new KubeProxyIpvs(cluster).Add,
            _ => new KubeProxyNftables(cluster).Add,
        };
        add(service);
        var pods = Enumerable.Range(1, clients).Select(i => cluster.AddPod($"client-{i}", 1 + (i % 3))).ToList();
        return new Setup(cluster, pods, servers);
    }

    /// <summary>Opens <paramref name="count"/> connections from the client, one after the other, and runs for <paramref name="span"/>.</summary>
    private static void Connections(Setup s, Pod client, int count, SimTime span)
    {
        var sim = s.Cluster.Bed.Sim;
        for (int i = 0; i < count; i++)
        {
            _ = TcpSocket.Connect(client.Namespace, ClusterIp, 80, new TcpWriter(100));
            sim.RunUntil(sim.Now + SimTime.FromMilliseconds(5));
        }

        sim.RunUntil(sim.Now + span);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void ClientIP_affinity_sends_every_connection_of_a_client_to_one_backend(string mode)
    {
        var s = Build(mode, Service.DefaultAffinityTimeout);
        Connections(s, s.Clients[0], 30, SimTime.FromMilliseconds(100));

        Assert.Equal(30, s.Servers.Max(c => c.Connections));
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void Without_affinity_a_clients_connections_spread_over_the_backends(string mode)
    {
        var s = Build(mode, null);
        Connections(s, s.Clients[0], 30, SimTime.FromMilliseconds(100));

        Assert.Equal(30, s.Servers.Sum(c => c.Connections));
        Assert.True(s.Servers.All(c => c.Connections > 0));
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void Affinity_is_per_client_address_so_many_clients_still_use_every_backend(string mode)
    {
        var s = Build(mode, Service.DefaultAffinityTimeout, clients: 12);
        var before = new List<int[]>();
        foreach (var client in s.Clients)
        {
            int[] was = [.. s.Servers.Select(c => c.Connections)];
            Connections(s, client, 4, SimTime.FromMilliseconds(20));
            before.Add([.. s.Servers.Select((c, i) => c.Connections - was[i])]);
        }

        Assert.All(before, got => Assert.Equal(4, got.Max())); // each client pinned to one
        Assert.True(s.Servers.All(c => c.Connections > 0));   // but not all clients to the same one
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void The_pin_holds_within_the_timeout_and_a_client_silent_longer_is_balanced_afresh(string mode)
    {
        // timeoutSeconds 1: connections 0.5 s apart keep the pin; after 1.5 s of silence the rules check -m
        // recent --seconds 1 (IPVS its template) and miss, so the next connection is picked at random again (and pins anew).
        var s = Build(mode, SimTime.FromSeconds(1), clients: 6);
        int held = 0, repicked = 0;
        foreach (var client in s.Clients)
        {
            int Pinned()
            {
                int[] was = [.. s.Servers.Select(c => c.Connections)];
                Connections(s, client, 1, SimTime.FromMilliseconds(10));
                return Enumerable.Range(0, 3).Single(i => s.Servers[i].Connections > was[i]);
            }

            int first = Pinned();
            s.Cluster.Bed.Sim.RunUntil(s.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(500));
            held += Pinned() == first ? 1 : 0;
            s.Cluster.Bed.Sim.RunUntil(s.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(1500));
            repicked += Pinned() != first ? 1 : 0;
        }

        Assert.Equal(6, held);
        Assert.True(repicked > 0); // a fresh random pick: some land elsewhere (2 in 3 would, on average)
    }
}
