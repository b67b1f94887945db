using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Policy;

/// <summary>
/// Egress NetworkPolicies: Calico enforces them in the client's own from-workload chain (cali-fw-caliX, on the
/// client's node, after kube-proxy's DNAT); flannel stores them and enforces nothing. An api pod on node1 dials
/// a db pod (5432) and a web pod (8080) on node2.
/// </summary>
public class EgressPolicyTests
{
    private static readonly Dictionary<string, string> Api = new() { ["app"] = "api" };
    private static readonly Dictionary<string, string> Db = new() { ["app"] = "db" };

    private sealed record Setup(KubernetesCluster Cluster, NetworkPolicies Policies, Pod Api, Pod Db, Pod Web, TcpCounter AtDb, TcpCounter AtWeb);

    private static Setup Build(string cni = "calico-bgp")
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName(cni));
        var api = cluster.AddPod("api", 1, Api);
        var db = cluster.AddPod("db", 2, Db);
        var web = cluster.AddPod("web", 2, new Dictionary<string, string> { ["app"] = "web" });
        var atDb = new TcpCounter();
        var atWeb = new TcpCounter();
        _ = new TcpListener(db.Namespace, 5432, atDb);
        _ = new TcpListener(web.Namespace, 8080, atWeb);
        return new Setup(cluster, new NetworkPolicies(cluster), api, db, web, atDb, atWeb);
    }

    private static void Dial(Setup s)
    {
        _ = TcpSocket.Connect(s.Api.Namespace, s.Db.Ip, 5432, new TcpWriter(100));
        _ = TcpSocket.Connect(s.Api.Namespace, s.Web.Ip, 8080, new TcpWriter(100));
        s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));
    }

    private static NetworkPolicy EgressOnly(string name, params NetworkPolicyEgressRule[] rules) =>
        new(name, Api, []) { Egress = rules, Types = NetworkPolicyTypes.Egress };

    [Fact]
    public void A_default_deny_egress_stops_every_connection_the_pod_opens()
    {
        var s = Build();
        s.Policies.Add(EgressOnly("deny-egress"));
        Dial(s);

        Assert.Equal((0, 0), (s.AtDb.Connections, s.AtWeb.Connections));
    }

    [Fact]
    public void An_egress_rule_to_a_pod_selector_and_port_allows_that_and_nothing_else()
    {
        var s = Build();
        s.Policies.Add(EgressOnly("to-db", new NetworkPolicyEgressRule([NetworkPolicyPeer.Pods(Db)], [new NetworkPolicyPort(IpProtocol.Tcp, 5432)])));
        Dial(s);

        Assert.Equal((1, 0), (s.AtDb.Connections, s.AtWeb.Connections));
    }

    [Fact]
    public void An_ipBlock_allows_its_block_less_its_except()
    {
        var s = Build();
        var block = new NetworkPolicyPeer { IpBlock = Ipv4Prefix.Parse("10.244.0.0/14"), Except = [new Ipv4Prefix(s.Web.Ip, 32)] };
        s.Policies.Add(EgressOnly("pods-but-web", new NetworkPolicyEgressRule([block], [])));
        Dial(s);

        Assert.Equal((1, 0), (s.AtDb.Connections, s.AtWeb.Connections));
        Assert.True(s.Policies.AllowsEgress(s.Api, s.Db, IpProtocol.Tcp, 5432));
        Assert.False(s.Policies.AllowsEgress(s.Api, s.Web, IpProtocol.Tcp, 8080));
    }

    [Fact]
    public void A_port_entry_without_a_number_allows_every_port_of_its_protocol()
    {
        var s = Build();
        s.Policies.Add(EgressOnly("any-tcp", new NetworkPolicyEgressRule([], [new NetworkPolicyPort(IpProtocol.Tcp, NetworkPolicyPort.AnyPort)])));
        Dial(s);

        Assert.Equal((1, 1), (s.AtDb.Connections, s.AtWeb.Connections));
        Assert.False(s.Policies.AllowsEgress(s.Api, s.Db, IpProtocol.Udp, 53));
    }

    [Fact]
    public void An_egress_only_policy_leaves_the_selected_pods_ingress_open()
    {
        var s = Build();
        var atApi = new TcpCounter();
        _ = new TcpListener(s.Api.Namespace, 9000, atApi);
        s.Policies.Add(EgressOnly("deny-egress"));
        _ = TcpSocket.Connect(s.Db.Namespace, s.Api.Ip, 9000, new TcpWriter(100));
        s.Cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(1, atApi.Connections); // the reply leaves api as established traffic, which the chain accepts first
    }

    [Fact]
    public void Flannel_stores_an_egress_policy_and_enforces_nothing()
    {
        var s = Build("flannel-vxlan");
        s.Policies.Add(EgressOnly("deny-egress"));
        Dial(s);

        Assert.False(s.Policies.IsEnforced);
        Assert.Equal((1, 1), (s.AtDb.Connections, s.AtWeb.Connections));
    }
}
