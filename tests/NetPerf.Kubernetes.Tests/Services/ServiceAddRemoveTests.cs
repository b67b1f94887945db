using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>
/// Services created and deleted while kube-proxy runs, in each of its modes (the only web pod on node 2; an outside
/// client dials a node's NodePort, a pod on node 1 the ClusterIP). kube-proxy programs a created Service at its
/// next sync (the token bucket of 2, one token per minSyncPeriod) and the rules are in when the sync's write
/// returns (its lines at 18.35 us each); until then nothing matches the NodePort, and the SYN reaches the node's
/// own TCP, which has no listener there and resets it (refused). A deleted Service's rules go at the sync after the
/// delete the same way; connections already in conntrack (iptables, nftables) or in IPVS's connection table keep
/// their endpoint: only a connection's first packet meets the rules.
/// </summary>
public class ServiceAddRemoveTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private const ushort NodePort = 30080;

    private sealed record Setup(KubernetesCluster Cluster, IKubeProxyRuleWriter Proxy, KubeProxySync Sync, Service Web, TcpCounter Server, Network.Topology.Host Outside, Pod Client)
    {
        public TcpSocket Connect(int node, bool keepOpen = false) => TcpSocket.Connect(Outside.Root, Cluster.Node(node).Ip, NodePort, new TcpWriter(1000, keepOpen));

        public TcpSocket ConnectClusterIp(bool keepOpen = false) => TcpSocket.Connect(Client.Namespace, Web.ClusterIp, Web.Port, new TcpWriter(1000, keepOpen));

        public void RunFor(double ms) => Cluster.Bed.Sim.RunUntil(Cluster.Bed.Sim.Now + SimTime.FromMicroseconds((long)(ms * 1000)));

        public Ipv4Address ClientAddress => Outside.Root.Devices.OfType<PhysicalNic>().Single().PrimaryAddress!.Value;
    }

    /// <param name="programmed">Whether the web Service is programmed before the sync loop starts (else a test creates it).</param>
    private static Setup Build(string mode, ExternalTrafficPolicy policy, bool programmed, bool nodePort = true)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
        var pod = cluster.AddPod("web-1", 2, Web);
        var client = cluster.AddPod("client", 1, new Dictionary<string, string> { ["app"] = "client" });
        var server = new TcpCounter();
        _ = new TcpListener(pod.Namespace, 8080, server);
        IKubeProxyRuleWriter proxy = mode switch
        {
            "iptables" => new KubeProxyIptables(cluster),
            "ipvs" => new KubeProxyIpvs(cluster),
            _ => new KubeProxyNftables(cluster),
        };
        var web = new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web)
        {
            NodePort = nodePort ? NodePort : null,
            ExternalTrafficPolicy = policy,
        };
        if (programmed)
        {
            proxy.Add(web);
        }

        var sync = new KubeProxySync(proxy, new EndpointSliceController(cluster), KubeProxySync.DefaultMinSyncPeriod);
        return new Setup(cluster, proxy, sync, web, server, cluster.AddExternalHost("client"), client);
    }

    /// <summary>Two Services without endpoints created at once: the sync loop spends both its tokens, so the next sync waits for minSyncPeriod.</summary>
    private static void SpendTheBucket(Setup s)
    {
        var none = new Dictionary<string, string> { ["app"] = "none" };
        s.Sync.Create(new Service("a", Ipv4Address.Parse("10.96.0.20"), 80, 8080, IpProtocol.Tcp, none));
        s.RunFor(1);
        s.Sync.Create(new Service("b", Ipv4Address.Parse("10.96.0.21"), 80, 8080, IpProtocol.Tcp, none));
        s.RunFor(1);
        Assert.Equal(2, s.Sync.Syncs.Count);
    }

    private static void Refused(TcpSocket client)
    {
        // The node's TCP has no socket on the port: a RST, ECONNREFUSED.
        Assert.Equal(TcpError.Refused, client.Error);
        Assert.Equal((1, 0), (client.Statistics.ResetsReceived, client.Statistics.PortUnreachablesReceived));
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void A_NodePort_created_is_refused_until_the_sync_minSyncPeriod_after_the_last_and_served_once_its_rules_are_in(string mode)
    {
        var s = Build(mode, ExternalTrafficPolicy.Cluster, programmed: false);
        SpendTheBucket(s);
        var first = s.Sync.Syncs[0].Started;

        s.Sync.Create(s.Web);
        var early = s.Connect(1);
        s.RunFor(500);
        Refused(early); // kubectl apply done, no rule yet
        Assert.Equal(2, s.Sync.Syncs.Count);

        // The bucket's next token comes minSyncPeriod after the first sync's: the sync starts then, and its rules
        // are in once its lines are written. A SYN sent as the sync starts arrives before they are in.
        s.Cluster.Bed.Sim.RunUntil(first + KubeProxySync.DefaultMinSyncPeriod + SimTime.FromMicroseconds(20));
        var during = s.Connect(1);
        s.RunFor(10);
        var sync = s.Sync.Syncs[^1];
        Assert.Equal([s.Web], sync.Services);
        Assert.Equal(first + KubeProxySync.DefaultMinSyncPeriod, sync.Started);
        Assert.Equal(KubeProxySync.DefaultTimePerLine * sync.Lines, sync.Duration);
        Assert.True(sync.Duration > SimTime.FromMicroseconds(60)); // long enough that the SYN above arrived before the commit
        Refused(during);

        var served = s.Connect(1);
        var viaNode3 = s.Connect(3);
        s.RunFor(10);
        Assert.Equal(TcpState.TimeWait, served.State); // connected, wrote, closed
        Assert.Equal(TcpState.TimeWait, viaNode3.State);
        Assert.Equal(2, s.Server.Connections);
        Assert.Equal([s.Cluster.Node(1).Ip, s.Cluster.Node(3).Ip], s.Server.Peers.Order()); // Cluster: masqueraded to the node dialled
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void A_Local_NodePort_created_is_served_by_the_node_with_the_endpoint_and_dropped_by_the_others(string mode)
    {
        var s = Build(mode, ExternalTrafficPolicy.Local, programmed: false);
        s.Sync.Create(s.Web);
        s.RunFor(10);
        Assert.Single(s.Sync.Syncs);

        var noEndpoint = s.Connect(1);
        _ = s.Connect(2);
        s.RunFor(500);
        if (mode == "ipvs")
        {
            // No real server on node 1: ip_vs_leave drops the SYN and answers ICMP port unreachable (ECONNREFUSED).
            Assert.Equal(TcpError.Refused, noEndpoint.Error);
            Assert.Equal((1, 0), (noEndpoint.Statistics.PortUnreachablesReceived, noEndpoint.Statistics.ResetsReceived));
        }
        else
        {
            Assert.Equal(TcpState.SynSent, noEndpoint.State); // dropped ("has no local endpoints"): no RST, the SYN is resent
        }

        Assert.Equal([s.ClientAddress], s.Server.Peers); // node 2's, unmasqueraded
    }

    [Theory]
    [InlineData("iptables", ExternalTrafficPolicy.Cluster)]
    [InlineData("iptables", ExternalTrafficPolicy.Local)]
    [InlineData("nftables", ExternalTrafficPolicy.Cluster)]
    [InlineData("nftables", ExternalTrafficPolicy.Local)]
    [InlineData("ipvs", ExternalTrafficPolicy.Cluster)]
    [InlineData("ipvs", ExternalTrafficPolicy.Local)]
    public void A_NodePort_deleted_refuses_new_connections_at_its_sync_while_an_established_one_keeps_its_endpoint(string mode, ExternalTrafficPolicy policy)
    {
        var s = Build(mode, policy, programmed: true);
        var open = s.Connect(2, keepOpen: true);
        s.RunFor(10);
        Assert.Equal(1, s.Server.Connections);

        s.Sync.Delete(s.Web);
        var before = s.Connect(2); // deleted in the API, its rules still in: served
        s.RunFor(10);
        var sync = Assert.Single(s.Sync.Syncs);
        Assert.Equal([s.Web], sync.Services);
        Assert.Empty(s.Proxy.Services);
        Assert.Equal(TcpState.TimeWait, before.State);
        Assert.Equal(2, s.Server.Connections);

        var afterOnNode2 = s.Connect(2);
        var afterOnNode1 = s.Connect(1); // under Local its "no local endpoints" drop went with the rest
        s.RunFor(10);
        Refused(afterOnNode2);
        Refused(afterOnNode1);

        open.Send(500);
        s.RunFor(10);
        Assert.Equal(TcpState.Established, open.State);
        Assert.Equal((2 * 1000) + 500, s.Server.Received); // open's two writes and before's
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void A_ClusterIP_created_then_deleted_is_served_between_its_two_syncs_only(string mode)
    {
        var s = Build(mode, ExternalTrafficPolicy.Cluster, programmed: false, nodePort: false);
        var early = s.ConnectClusterIp();
        s.Sync.Create(s.Web);
        s.RunFor(10);
        Assert.Single(s.Sync.Syncs);
        Assert.Equal(TcpState.SynSent, early.State); // no rule matched its SYN: routed away as any address, lost

        var open = s.ConnectClusterIp(keepOpen: true);
        s.RunFor(10);
        Assert.Equal(TcpState.Established, open.State);

        s.Sync.Delete(s.Web);
        s.RunFor(10);
        Assert.Equal(2, s.Sync.Syncs.Count);
        var late = s.ConnectClusterIp();
        open.Send(500);
        s.RunFor(10);
        Assert.Equal(TcpState.SynSent, late.State); // nothing matches the ClusterIP any more (IPVS: unbound from kube-ipvs0)
        Assert.Equal(1, s.Server.Connections);

        // iptables and nftables: conntrack keeps the DNAT of the open connection. IPVS: the address is no longer
        // local, so its packets never reach LOCAL_IN, where IPVS would have rewritten them: they are routed away.
        Assert.Equal(mode == "ipvs" ? 1000 : 1500, s.Server.Received);
    }

    /// <summary>
    /// What a client pod on a node without a local endpoint of an internalTrafficPolicy Local Service gets: iptables
    /// and nftables drop its SYN ("has no local endpoints"; it stays in SYN_SENT, resending); IPVS finds no real
    /// server with a weight on the node's own virtual service and ip_vs_leave answers ICMP port unreachable
    /// (ECONNREFUSED in SYN_SENT).
    /// </summary>
    private static void NoLocalEndpoint(string mode, TcpSocket client)
    {
        if (mode == "ipvs")
        {
            Assert.Equal(TcpError.Refused, client.Error);
            Assert.Equal((1, 0), (client.Statistics.PortUnreachablesReceived, client.Statistics.ResetsReceived));
        }
        else
        {
            Assert.Equal(TcpState.SynSent, client.State);
        }
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void An_internalTrafficPolicy_Local_Service_created_serves_each_node_from_its_own_endpoints_follows_them_and_goes_at_its_deletion(string mode)
    {
        var s = Build(mode, ExternalTrafficPolicy.Cluster, programmed: false, nodePort: false);
        var local = s.Web with { InternalTrafficPolicy = InternalTrafficPolicy.Local };
        var onNode2 = s.Cluster.AddPod("client-2", 2, new Dictionary<string, string> { ["app"] = "client" });
        TcpSocket From(Pod pod, bool keepOpen = false) => TcpSocket.Connect(pod.Namespace, local.ClusterIp, local.Port, new TcpWriter(1000, keepOpen));

        s.Sync.Create(local);
        s.RunFor(10);
        Assert.Single(s.Sync.Syncs);
        var fromNode1 = From(s.Client);
        var open = From(onNode2, keepOpen: true);
        s.RunFor(500);
        NoLocalEndpoint(mode, fromNode1); // node 1 holds no endpoint
        Assert.Equal(TcpState.Established, open.State);
        Assert.Equal([onNode2.Ip], s.Server.Peers); // node 2's own endpoint, the pod's own address (no masquerade)

        // The endpoint moves to node 1: each node's own rules are rewritten at the sync that follows the slice.
        var moved = s.Cluster.AddPod("web-2", 1, Web);
        var second = new TcpCounter();
        _ = new TcpListener(moved.Namespace, 8080, second);
        s.Cluster.RemovePod("web-1");
        s.RunFor(2000);
        var now1 = From(s.Client);
        var now2 = From(onNode2);
        s.RunFor(10);
        // Node 1's pod now serves node 1's client: the new connection, and under iptables and nftables the SYN
        // dropped before, resent (1 s, 3 s: its conntrack entry was never confirmed, so it meets the new rules).
        Assert.Equal(mode == "ipvs" ? 1 : 2, second.Peers.Count);
        Assert.All(second.Peers, p => Assert.Equal(s.Client.Ip, p));
        NoLocalEndpoint(mode, now2);

        // Deleted: nothing matches the ClusterIP any more (IPVS: unbound), on any node.
        s.Sync.Delete(local);
        s.RunFor(2000);
        Assert.Empty(s.Proxy.Services);
        var late = From(s.Client);
        s.RunFor(10);
        Assert.Equal(TcpState.SynSent, late.State);
        Assert.Equal(mode == "ipvs" ? 1 : 2, second.Peers.Count);
        Assert.Equal(TcpState.TimeWait, now1.State);
    }
}
