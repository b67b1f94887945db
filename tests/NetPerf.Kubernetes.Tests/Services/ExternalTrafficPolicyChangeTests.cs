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
/// A NodePort Service's externalTrafficPolicy patched while kube-proxy runs (iptables and nftables modes; the only
/// web pod on node 2, an outside client). kube-proxy's next sync rewrites the Service's chains from the new version
/// (pkg/proxy/iptables/proxier.go, pkg/proxy/nftables/proxier.go): under Cluster, KUBE-EXT-X (external-X) marks
/// every external packet for masquerade and jumps to the Service's chain, so node 1 forwards to node 2 and the pod
/// sees node 1's address; under Local, node 1 has no local endpoint and drops a new connection to its NodePort
/// (iptables: KUBE-EXTERNAL-SERVICES' "has no local endpoints"; nftables: its external chain's drop), while
/// node 2 goes to its local chain (KUBE-SVL-X, local-X) without the mark, so the pod sees the client's own address.
/// Connections already in conntrack keep their DNAT whatever the policy: the nat chains see a connection's first
/// packet only, and iptables' filter rules match --ctstate NEW only.
/// </summary>
public class ExternalTrafficPolicyChangeTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private const ushort NodePort = 30080;

    private sealed record Setup(KubernetesCluster Cluster, IKubeProxyRuleWriter Proxy, KubeProxySync Sync, Service Web, TcpCounter Server, Network.Topology.Host Outside)
    {
        public TcpSocket Connect(int node, bool keepOpen = false) => TcpSocket.Connect(Outside.Root, Cluster.Node(node).Ip, NodePort, new TcpWriter(1000, keepOpen));

        public void RunFor(double ms) => Cluster.Bed.Sim.RunUntil(Cluster.Bed.Sim.Now + SimTime.FromMicroseconds((long)(ms * 1000)));

        public Ipv4Address ClientAddress => Outside.Root.Devices.OfType<PhysicalNic>().Single().PrimaryAddress!.Value;
    }

    private static Setup Build(string mode, ExternalTrafficPolicy policy)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
        var pod = cluster.AddPod("web-1", 2, Web);
        var server = new TcpCounter();
        _ = new TcpListener(pod.Namespace, 8080, server);
        IKubeProxyRuleWriter proxy = mode switch
        {
            "iptables" => new KubeProxyIptables(cluster),
            "ipvs" => new KubeProxyIpvs(cluster),
            _ => new KubeProxyNftables(cluster),
        };
        var web = new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, Web) { NodePort = NodePort, ExternalTrafficPolicy = policy };
        proxy.Add(web);
        var sync = new KubeProxySync(proxy, new EndpointSliceController(cluster), KubeProxySync.DefaultMinSyncPeriod);
        return new Setup(cluster, proxy, sync, web, server, cluster.AddExternalHost("client"));
    }

    /// <summary>
    /// What a client gets from a node without a local endpoint under Local: iptables and nftables drop its SYN
    /// (it stays in SYN_SENT, resending); IPVS finds no real server with a weight, and ip_vs_leave drops the SYN and
    /// answers ICMP port unreachable (net/netfilter/ipvs/ip_vs_core.c), which tcp_v4_err turns into ECONNREFUSED in
    /// SYN_SENT: refused, by no RST (the SYN never reached the node's TCP). One SYN from a new peer is within
    /// icmp_ratelimit's burst.
    /// </summary>
    private static void NoAnswer(string mode, TcpSocket client)
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
    public void Cluster_to_Local_node1_serves_and_masquerades_until_the_sync_then_drops_new_connections_while_node2_keeps_the_client_address(string mode)
    {
        var s = Build(mode, ExternalTrafficPolicy.Cluster);
        _ = s.Connect(1);
        var open = s.Connect(1, keepOpen: true);
        s.RunFor(10);
        Assert.Equal((2000, 2), (s.Server.Received, s.Server.Connections)); // served through node 1 ...
        Assert.All(s.Server.Peers, p => Assert.Equal(s.Cluster.Node(1).Ip, p)); // ... masqueraded to node 1's eth0

        var local = s.Web with { ExternalTrafficPolicy = ExternalTrafficPolicy.Local };
        s.Sync.Update(s.Web, local);
        s.RunFor(10);
        var programmed = Assert.Single(s.Sync.Syncs);
        Assert.Equal([local], programmed.Services);
        Assert.True(programmed.Programmed > programmed.Started); // the restore takes its time per line
        Assert.Equal([local], s.Proxy.Services);

        var dropped = s.Connect(1);
        var kept = s.Connect(2);
        s.RunFor(500);
        NoAnswer(mode, dropped); // node 1 has no endpoint for it
        Assert.Equal(3, s.Server.Connections); // node 2's only
        Assert.Equal(s.ClientAddress, s.Server.Peers[^1]); // not masqueraded: the client's own address

        // The connection opened through node 1 before the change still carries data: its conntrack entry is
        // ESTABLISHED, so neither the nat table nor KUBE-EXTERNAL-SERVICES (--ctstate NEW) sees it again.
        open.Send(500);
        s.RunFor(10);
        Assert.Equal(TcpState.Established, open.State);
        Assert.Equal(3 * 1000 + 500, s.Server.Received); // before, open's first write, kept, open's second
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void Local_to_Cluster_node1_forwards_again_and_node2_masquerades_the_client(string mode)
    {
        var s = Build(mode, ExternalTrafficPolicy.Local);
        var dropped = s.Connect(1);
        _ = s.Connect(2);
        s.RunFor(10);
        NoAnswer(mode, dropped);
        Assert.Equal(s.ClientAddress, s.Server.Peers.Single());

        s.Sync.Update(s.Web, s.Web with { ExternalTrafficPolicy = ExternalTrafficPolicy.Cluster });
        s.RunFor(10);
        _ = s.Connect(1);
        _ = s.Connect(2);
        s.RunFor(10);
        // Forwarded by node 1, masqueraded to its address; node 2 masquerades too (to its own): Cluster marks every external packet.
        Assert.Equal([s.Cluster.Node(1).Ip, s.Cluster.Node(2).Ip], s.Server.Peers.Skip(1).Order());
        // The SYN dropped under Local is resent 1 s after it (TCP_TIMEOUT_INIT): node 1 now forwards it. Its
        // conntrack entry was never confirmed (the drop came before), so the resend is a new connection. Under
        // IPVS the SYN was answered by ICMP port unreachable: refused, that connection is over.
        s.RunFor(1000);
        Assert.Equal(mode == "ipvs" ? TcpState.Closed : TcpState.TimeWait, dropped.State); // connected, wrote, closed
        Assert.Equal(mode == "ipvs" ? 3 : 4, s.Server.Connections);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void A_Local_Service_follows_its_endpoints_to_another_node(string mode)
    {
        // The per-node local chains (KUBE-SVL-X, local-X) are rebuilt with the slice: the pod moved from node 2 to node 3.
        var s = Build(mode, ExternalTrafficPolicy.Local);
        var moved = s.Cluster.AddPod("web-2", 3, Web);
        var second = new TcpCounter();
        _ = new TcpListener(moved.Namespace, 8080, second);
        s.Cluster.RemovePod("web-1");
        s.RunFor(10);
        Assert.Single(s.Sync.Syncs);

        var toNode2 = s.Connect(2);
        _ = s.Connect(3);
        s.RunFor(10);
        NoAnswer(mode, toNode2);
        Assert.Equal([s.ClientAddress], second.Peers);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void Updates_between_two_syncs_collapse_into_the_last_and_an_unknown_Service_is_refused(string mode)
    {
        var s = Build(mode, ExternalTrafficPolicy.Cluster);
        s.RunFor(1);
        var local = s.Web with { ExternalTrafficPolicy = ExternalTrafficPolicy.Local };
        s.Sync.Update(s.Web, local); // synced at once: the bucket is full
        s.RunFor(0.5);
        var back = local with { ExternalTrafficPolicy = ExternalTrafficPolicy.Cluster };
        s.Sync.Update(local, back); // the second token
        var third = back with { ExternalTrafficPolicy = ExternalTrafficPolicy.Local };
        s.RunFor(0.5);
        s.Sync.Update(back, third); // waits a period for the bucket's next token
        var fourth = third with { ExternalTrafficPolicy = ExternalTrafficPolicy.Cluster };
        s.Sync.Update(third, fourth); // back to what the rules have: the change tracker drops the change
        s.RunFor(2000);
        Assert.Equal([[local], [back], []], s.Sync.Syncs.Select(x => x.Services.ToArray()));
        Assert.Equal(ExternalTrafficPolicy.Cluster, s.Proxy.Services.Single().ExternalTrafficPolicy);
        var other = s.Web with { Name = "other" };
        Assert.Throws<ArgumentException>(() => s.Sync.Update(other, other with { ExternalTrafficPolicy = ExternalTrafficPolicy.Local }));
    }
}
