using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Policy;

/// <summary>
/// Cilium's identity-based NetworkPolicy: enforced by the destination endpoint's ingress program on its node, one
/// policy map lookup by the source's security identity, so its cost does not grow with the number of policies.
/// The same layout as <see cref="NetworkPolicyTests"/>: a db pod on node2 (port 5432); api and other pods on node1.
/// </summary>
public class CiliumPolicyTests
{
    private static readonly Dictionary<string, string> Db = new() { ["app"] = "db" };
    private static readonly Dictionary<string, string> Api = new() { ["app"] = "api" };
    private static readonly NetworkPolicyPort Postgres = new(IpProtocol.Tcp, 5432);

    private static NetworkPolicy AllowFrom(string name, NetworkPolicyPeer peer) =>
        new(name, Db, [new NetworkPolicyIngressRule([peer], [Postgres])]);

    private sealed record Setup(KubernetesCluster Cluster, NetworkPolicies Policies, Pod Api, Pod Other, TcpCounter Db);

    private static Setup Build(CiliumHostRouting host = CiliumHostRouting.Legacy, CiliumRouting routing = CiliumRouting.Native, CostTable? costs = null)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = costs ?? CostTable.Default() }, new CiliumDatapath(routing, host));
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
    [InlineData("none", true, true, CiliumHostRouting.Legacy, CiliumRouting.Native)]
    [InlineData("pods", true, false, CiliumHostRouting.Legacy, CiliumRouting.Native)]        // from app=api: api's identity in db's policy map
    [InlineData("pods", true, false, CiliumHostRouting.Ebpf, CiliumRouting.Native)]
    [InlineData("pods", true, false, CiliumHostRouting.Legacy, CiliumRouting.Vxlan)]
    [InlineData("pods", true, false, CiliumHostRouting.Ebpf, CiliumRouting.Geneve)]
    [InlineData("cidr", true, true, CiliumHostRouting.Legacy, CiliumRouting.Native)]         // from ipBlock 10.244.1.0/24: node1's pods, both
    [InlineData("other-port", false, false, CiliumHostRouting.Legacy, CiliumRouting.Native)] // from app=api but to 80 only
    [InlineData("deny-all", false, false, CiliumHostRouting.Ebpf, CiliumRouting.Native)]     // selects db, no ingress rule: default deny
    public void Cilium_lets_through_only_what_a_policy_selecting_the_pod_allows_and_drops_the_rest_at_its_endpoint(string policy, bool apiGetsIn, bool otherGetsIn, CiliumHostRouting host, CiliumRouting routing)
    {
        var s = Build(host, routing);
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

        // Denied SYNs die in db's ingress program on node2 (DROP_POLICY), not in netfilter; deny-all also selects api and
        // other on node1, whose replies from db would pass there by their conntrack entries anyway.
        long drops = s.Cluster.Node(2).Host.Drops(DropReason.TcShot);
        Assert.Equal(apiGetsIn && otherGetsIn, drops == 0);
        Assert.Equal(0, s.Cluster.Node(2).Host.Drops(DropReason.Netfilter));
        Assert.Equal(0, s.Cluster.Node(1).Host.Drops(DropReason.TcShot));
    }

    [Fact]
    public void A_pod_a_default_deny_selects_still_gets_the_replies_of_the_connections_it_opens()
    {
        var s = Build();
        s.Policies.Add(new NetworkPolicy("api-deny-all", Api, [])); // api accepts nothing new
        var (api, _) = ConnectBoth(s);

        Assert.NotEqual(TcpState.SynSent, api.State);
        Assert.Equal(200, s.Db.Received); // db is not selected: both connect, and api's SYN-ACK got through its own default deny
        Assert.Equal(0, s.Cluster.Node(1).Host.Drops(DropReason.TcShot));
    }

    [Fact]
    public void Identity_policy_costs_the_same_with_10_and_1000_policies()
    {
        (long Cpu, long Received) Run(int decoys)
        {
            var s = Build();
            for (int i = 0; i < decoys; i++)
            {
                s.Policies.Add(AllowFrom($"decoy-{i}", NetworkPolicyPeer.Pods(new Dictionary<string, string> { ["app"] = $"nobody-{i}" })));
            }

            s.Policies.Add(AllowFrom("db-from-api", NetworkPolicyPeer.Pods(Api)));
            _ = TcpSocket.Connect(s.Api.Namespace, s.Cluster.Pod("db").Ip, 5432, new TcpWriter(100_000));
            s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));
            return (s.Cluster.Node(2).Host.TotalCpuPicoseconds, s.Db.Received);
        }

        var ten = Run(9);
        var thousand = Run(999);
        Assert.Equal(100_000, ten.Received);
        Assert.Equal(100_000, thousand.Received);
        Assert.Equal(ten.Cpu, thousand.Cpu); // the policy map's one lookup per packet, in BpfToContainer, whatever its size
    }
}
