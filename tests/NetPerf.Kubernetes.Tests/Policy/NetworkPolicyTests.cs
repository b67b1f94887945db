using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Policy;

/// <summary>
/// Ingress NetworkPolicies: enforced by Calico's per-endpoint chains in the filter table on the destination
/// pod's node, not at all by flannel. A db pod on node2 (port 5432); api and other pods on node1.
/// </summary>
public class NetworkPolicyTests
{
    private static readonly Dictionary<string, string> Db = new() { ["app"] = "db" };
    private static readonly Dictionary<string, string> Api = new() { ["app"] = "api" };
    private static readonly NetworkPolicyPort Postgres = new(IpProtocol.Tcp, 5432);

    private static NetworkPolicy AllowFrom(string name, NetworkPolicyPeer peer) =>
        new(name, Db, [new NetworkPolicyIngressRule([peer], [Postgres])]);

    private sealed record Setup(KubernetesCluster Cluster, NetworkPolicies Policies, Pod Api, Pod Other, TcpCounter Db);

    private static Setup Build(string cni = "calico-bgp", CostTable? costs = null)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = costs ?? CostTable.Default() }, CniPlugin.ByName(cni));
        var api = cluster.AddPod("api", 1, Api);
        var other = cluster.AddPod("other", 1, new Dictionary<string, string> { ["app"] = "other" });
        var db = cluster.AddPod("db", 2, Db);
        var counter = new TcpCounter();
        _ = new TcpListener(db.Namespace, 5432, counter);
        return new Setup(cluster, new NetworkPolicies(cluster), api, other, counter);
    }

    private static (TcpSocket Api, TcpSocket Other) ConnectBoth(Setup s)
    {
        var db = s.Cluster.Pod("db").Ip;
        var api = TcpSocket.Connect(s.Api.Namespace, db, 5432, new TcpWriter(100));
        var other = TcpSocket.Connect(s.Other.Namespace, db, 5432, new TcpWriter(100));
        s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));
        return (api, other);
    }

    [Theory]
    [InlineData("none", true, true)]          // no policy selects db: its namespace profile allows all
    [InlineData("pods", true, false)]         // from podSelector app=api (an ipset of the api pods' addresses)
    [InlineData("cidr", true, true)]          // from ipBlock 10.244.1.0/24: node1's pods, both
    [InlineData("other-port", false, false)]  // from app=api but to 80 only
    [InlineData("deny-all", false, false)]    // selects db, no ingress rule: default deny
    public void Calico_lets_through_only_what_a_policy_selecting_the_pod_allows_and_drops_the_rest_at_the_SYN(string policy, bool apiGetsIn, bool otherGetsIn)
    {
        var s = Build();
        switch (policy)
        {
            case "pods": s.Policies.Add(AllowFrom("db-from-api", NetworkPolicyPeer.Pods(Api))); break;
            case "cidr": s.Policies.Add(AllowFrom("db-from-node1", NetworkPolicyPeer.Cidr("10.244.1.0/24"))); break;
            case "other-port": s.Policies.Add(new NetworkPolicy("db-http", Db, [new NetworkPolicyIngressRule([NetworkPolicyPeer.Pods(Api)], [new(IpProtocol.Tcp, 80)])])); break;
            case "deny-all": s.Policies.Add(new NetworkPolicy("deny-all", new Dictionary<string, string>(), [])); break;
        }

        var (api, other) = ConnectBoth(s);

        Assert.True(s.Policies.IsEnforced);
        Assert.Equal(!apiGetsIn, api.State == TcpState.SynSent); // a denied client is still retrying its SYN
        Assert.Equal(!otherGetsIn, other.State == TcpState.SynSent);
        Assert.Equal((apiGetsIn ? 100 : 0) + (otherGetsIn ? 100 : 0), s.Db.Received);

        // Denied SYNs (and their retransmissions) die in node2's FORWARD chain, never reaching the db pod's veth.
        long drops = s.Cluster.Node(2).Host.Drops(DropReason.Netfilter);
        Assert.Equal(apiGetsIn && otherGetsIn, drops == 0);
        Assert.Equal(0, s.Cluster.Node(1).Host.Drops(DropReason.Netfilter));
    }

    [Fact]
    public void A_new_connection_walks_four_more_rules_per_policy_selecting_the_pod_and_established_packets_walk_the_same_few()
    {
        (long New, long Established, long RuleCpu) Run(int decoys)
        {
            var s = Build(costs: CostTable.Uniform(StageCost.Nanoseconds(100)));
            for (int i = 0; i < decoys; i++)
            {
                s.Policies.Add(AllowFrom($"decoy-{i}", NetworkPolicyPeer.Pods(new Dictionary<string, string> { ["app"] = $"nobody-{i}" })));
            }

            s.Policies.Add(AllowFrom("db-from-api", NetworkPolicyPeer.Pods(Api)));
            var node2 = s.Cluster.Node(2);
            var socket = TcpSocket.Connect(s.Api.Namespace, s.Cluster.Pod("db").Ip, 5432, new KeepOpen());
            s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
            long afterHandshake = node2.Root.Netfilter!.RulesEvaluated;
            long cpu = node2.Host.CpuPicosecondsOf(KernelStage.NftablesRule); // Felix writes with iptables-nft, the default
            socket.Send(100_000);
            s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));
            Assert.Equal(100_000, s.Db.Received);
            return (afterHandshake, node2.Root.Netfilter!.RulesEvaluated - afterHandshake, cpu);
        }

        var one = Run(0);
        var eleven = Run(10);

        // Each policy ahead of the one that allows: its jump, its mark rule, its return-if-marked, and the
        // endpoint chain's return-if-accepted after it; only the SYN walks them.
        Assert.Equal(40, eleven.New - one.New);
        Assert.Equal(40 * 100_000L, eleven.RuleCpu - one.RuleCpu); // 100 ns a rule here
        Assert.Equal(one.Established, eleven.Established);       // the conntrack accept at the top of cali-tw/cali-fw
        Assert.True(one.Established > 0);
    }

    [Fact]
    public void Flannel_stores_a_policy_but_enforces_nothing_and_says_so()
    {
        var s = Build("flannel-vxlan");
        s.Policies.Add(new NetworkPolicy("deny-all", new Dictionary<string, string>(), []));
        var (api, other) = ConnectBoth(s);

        Assert.False(s.Policies.IsEnforced);
        Assert.Contains("flannel-vxlan does not enforce NetworkPolicy", s.Policies.NotEnforcedReason, StringComparison.Ordinal);
        Assert.Single(s.Policies.Policies);
        Assert.Equal(200, s.Db.Received); // both got in
        Assert.Equal(0, api.Statistics.ForeignSegments + other.Statistics.ForeignSegments);
    }

    private sealed class KeepOpen : ITcpApplication
    {
        public void OnConnected(TcpSocket socket) { }
        public void OnReceived(TcpSocket socket, long b) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
    }
}
