using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>EndpointSlices following the pods, and kube-proxy reprogramming every node after its sync delay.</summary>
public class EndpointSliceTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address WebIp = Ipv4Address.Parse("10.96.0.20");
    private static readonly Service WebService = new("web", WebIp, 8080, 8080, IpProtocol.Tcp, Web);

    private sealed class Setup
    {
        public required KubernetesCluster Cluster { get; init; }
        public required Pod Client { get; init; }
        public required KubeProxySync Sync { get; init; }
        public Dictionary<string, TcpCounter> Servers { get; } = [];

        public void AddWebPod(string name)
        {
            var pod = Cluster.AddPod(name, 2, Web);
            var counter = new TcpCounter();
            _ = new TcpListener(pod.Namespace, 8080, counter);
            Servers[name] = counter;
        }

        public void Connect(int times)
        {
            for (int i = 0; i < times; i++)
            {
                _ = TcpSocket.Connect(Client.Namespace, WebIp, 8080, new TcpWriter(100));
            }
        }

        public void RunUntil(double seconds) => Cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(seconds));
    }

    /// <summary>A client on node1, the web pods on node2, <paramref name="decoys"/> other Services in front of the web one.</summary>
    private static Setup Build(string mode, string[] webPods, int decoys = 0)
    {
        // The client opens its connections at one instant; the CPU of each connection's setup (TcpConnection, 15 us)
        // would queue them on its core past the sync, which is not what these tests are about: it is free here.
        var costs = Network.Cpu.CostTable.Default();
        costs[Network.Cpu.KernelStage.TcpConnection] = default;
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = costs }, CniPlugin.ByName("calico-bgp"));
        var client = cluster.AddPod("client", 1);
        _ = cluster.AddPod("decoy", 2, new Dictionary<string, string> { ["app"] = "decoy" });
        var counters = new Dictionary<string, TcpCounter>();
        foreach (string name in webPods)
        {
            var pod = cluster.AddPod(name, 2, Web);
            counters[name] = new TcpCounter();
            _ = new TcpListener(pod.Namespace, 8080, counters[name]);
        }

        var services = Enumerable.Range(0, decoys)
            .Select(i => new Service($"decoy-{i}", new Ipv4Address(Ipv4Address.Parse("10.96.16.0").Value + (uint)i), 80, 80, IpProtocol.Tcp, new Dictionary<string, string> { ["app"] = "decoy" }))
            .Append(WebService).ToList();
        var slices = new EndpointSliceController(cluster);
        KubeProxySync sync;
        switch (mode)
        {
            case "iptables":
                var iptables = new KubeProxyIptables(cluster);
                services.ForEach(iptables.Add);
                sync = iptables.FollowEndpointSlices(slices);
                break;
            case "nftables":
                var nftables = new KubeProxyNftables(cluster);
                services.ForEach(nftables.Add);
                sync = nftables.FollowEndpointSlices(slices);
                break;
            default:
                var ipvs = new KubeProxyIpvs(cluster);
                services.ForEach(ipvs.Add);
                sync = ipvs.FollowEndpointSlices(slices);
                break;
        }

        var setup = new Setup { Cluster = cluster, Client = client, Sync = sync };
        foreach (var (name, counter) in counters)
        {
            setup.Servers[name] = counter;
        }

        return setup;
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void A_new_pod_gets_new_connections_only_once_the_sync_has_programmed_it(string mode)
    {
        var s = Build(mode, ["web-1"]);
        s.RunUntil(0.5);
        s.AddWebPod("web-2");

        // The slice changes at once (batch period 0) and kube-proxy, idle for long, syncs at once: the rules
        // change when the restore returns. Connections opened while it writes still go to web-1 only.
        var sync = s.Sync;
        s.Cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(0.5) + SimTime.FromNanoseconds(1)); // the sync has started
        Assert.Empty(sync.Syncs);
        s.Connect(10);
        s.RunUntil(0.6);
        var done = Assert.Single(sync.Syncs);
        Assert.Equal(SimTime.FromSeconds(0.5), done.Started);
        Assert.Equal(done.Started + (KubeProxySync.DefaultTimePerLine * done.Lines), done.Programmed);
        Assert.Equal((10, 0), (s.Servers["web-1"].Connections, s.Servers["web-2"].Connections));

        s.Connect(20);
        s.RunUntil(0.7);
        Assert.Equal(30, s.Servers["web-1"].Connections + s.Servers["web-2"].Connections);
        Assert.InRange(s.Servers["web-2"].Connections, 5, 15); // half of the 20, by probability or round robin
    }

    [Fact]
    public void In_iptables_mode_a_sync_writes_the_whole_of_KUBE_SERVICES_and_the_changed_Services_chains()
    {
        var s = Build("iptables", ["web-1"]);
        s.RunUntil(0.5);
        s.AddWebPod("web-2");
        s.RunUntil(0.6);

        // 4 chain headers, KUBE-SERVICES' portal and KUBE-NODEPORTS jump, then KUBE-SVC (header, masquerade,
        // 2 picks) and 2 KUBE-SEP chains (header, mark, DNAT): 16 lines at 18.35 us, 293.6 us.
        var sync = Assert.Single(s.Sync.Syncs);
        Assert.Equal(16, sync.Lines);
        Assert.Equal(SimTime.FromNanoseconds(293_600), sync.Duration);
    }

    [Fact]
    public void A_burst_of_changes_gets_two_syncs_at_once_then_one_per_minSyncPeriod()
    {
        var s = Build("iptables", ["web-1"]);
        s.RunUntil(0.5);
        s.AddWebPod("web-2");
        s.RunUntil(0.6);
        s.AddWebPod("web-3");
        s.RunUntil(0.7);
        s.AddWebPod("web-4");
        s.RunUntil(3);

        // BoundedFrequencyRunner: a bucket of 2 tokens, one back every 1 s: the third sync waits until 1.5 s.
        Assert.Equal(
            [SimTime.FromSeconds(0.5), SimTime.FromSeconds(0.6), SimTime.FromSeconds(1.5)],
            s.Sync.Syncs.Select(x => x.Started));
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void A_deleted_pods_open_connection_keeps_working_while_new_ones_go_to_the_others(string mode)
    {
        var s = Build(mode, ["web-1", "web-2"]);
        var held = new HeldConnection();
        _ = TcpSocket.Connect(s.Client.Namespace, WebIp, 8080, held);
        s.RunUntil(0.1);
        string chosen = s.Servers["web-1"].Connections == 1 ? "web-1" : "web-2";
        string other = chosen == "web-1" ? "web-2" : "web-1";
        Assert.Equal(100, s.Servers[chosen].Received);

        s.Cluster.RemovePod(chosen);
        s.RunUntil(0.5);
        Assert.Single(s.Sync.Syncs);

        // Its conntrack entry (IPVS's connection) still DNATs to the terminating pod; new connections cannot reach it.
        held.Socket!.Send(100);
        s.Connect(10);
        s.RunUntil(1);
        Assert.Equal(200, s.Servers[chosen].Received);
        Assert.Equal(1, s.Servers[chosen].Connections);
        Assert.Equal(10, s.Servers[other].Connections);
    }

    [Fact]
    public void The_sync_grows_with_the_Service_count_in_iptables_mode_and_not_in_nftables_mode()
    {
        SimTime SyncTime(string mode, int decoys)
        {
            var s = Build(mode, ["web-1"], decoys);
            s.RunUntil(0.5);
            s.AddWebPod("web-2");
            s.RunUntil(0.6);
            return Assert.Single(s.Sync.Syncs).Duration;
        }

        // iptables-restore rewrites KUBE-SERVICES whole: one more line per Service, 990 x 18.35 us = 18.2 ms more.
        Assert.Equal(KubeProxySync.DefaultTimePerLine * 990, SyncTime("iptables", 1000) - SyncTime("iptables", 10));
        Assert.Equal(SyncTime("nftables", 10), SyncTime("nftables", 1000));
    }

    [Fact]
    public void A_Service_added_without_endpoints_is_programmed_when_its_first_pod_comes()
    {
        var s = Build("iptables", []);
        s.Connect(1);
        s.RunUntil(0.5);
        s.AddWebPod("web-1");
        s.RunUntil(0.6);
        s.Connect(3);
        s.RunUntil(0.7);

        Assert.Equal(3, s.Servers["web-1"].Connections); // the first, before, was rejected in the filter table
    }

    [Fact]
    public void A_deleted_Service_is_served_until_the_sync_that_deletes_its_chains_and_then_its_ClusterIP_matches_no_rule()
    {
        var s = Build("iptables", ["web-1"], decoys: 2);
        s.RunUntil(0.5);
        s.Sync.Delete(WebService);
        s.Connect(2); // while the restore runs: the rules are still in
        s.RunUntil(0.6);
        Assert.Equal(2, s.Servers["web-1"].Connections);

        // 4 chain headers and KUBE-SERVICES rewritten without web (2 decoy portals, the KUBE-NODEPORTS jump), then
        // KUBE-SVC and its one KUBE-SEP each flushed and deleted (a chain line and a -X): 11 lines, 201.85 us.
        var sync = Assert.Single(s.Sync.Syncs);
        Assert.Equal((SimTime.FromSeconds(0.5), 11), (sync.Started, sync.Lines));
        Assert.Equal(SimTime.FromNanoseconds(201_850), sync.Duration);
        Assert.Equal([WebService], sync.Services);

        s.Connect(3);
        s.RunUntil(0.7);
        Assert.Equal(2, s.Servers["web-1"].Connections); // not DNATed any more: routed as any address, and lost
        Assert.DoesNotContain(s.Cluster.Nodes[0].Root.Netfilter!.NatPreRouting.Rules[0].JumpTo!.Rules, r => r.Destination == new Ipv4Prefix(WebIp, 32));
    }

    /// <summary>A client that writes 100 bytes once connected and keeps the connection open.</summary>
    private sealed class HeldConnection : ITcpApplication
    {
        public TcpSocket? Socket { get; private set; }

        public void OnConnected(TcpSocket socket)
        {
            Socket = socket;
            socket.Send(100);
        }

        public void OnReceived(TcpSocket socket, long bytes) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
    }
}
