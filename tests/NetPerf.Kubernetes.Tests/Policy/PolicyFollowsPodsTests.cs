using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Controllers;
using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Policy;

/// <summary>
/// A NetworkPolicy covers the pods its selectors match now, not the ones that existed when it was written: every
/// policy engine watches pods and re-renders (felix gives a new workload endpoint its cali-tw/cali-fw chains and
/// puts its address in the selectors' ipsets, weave-npc updates its ipsets, Cilium's agent gives the pod its
/// identity and the endpoint its policy map), and takes a deleted pod's address out again. For every plugin kind
/// that enforces policy; db (port 5432) on node2, its clients on node1.
/// </summary>
public class PolicyFollowsPodsTests
{
    private static readonly Dictionary<string, string> Db = new() { ["app"] = "db" };
    private static readonly Dictionary<string, string> Api = new() { ["app"] = "api" };
    private static readonly Dictionary<string, string> Other = new() { ["app"] = "other" };
    private static readonly NetworkPolicy DbFromApi = new("db-from-api", Db, [new NetworkPolicyIngressRule([NetworkPolicyPeer.Pods(Api)], [new(IpProtocol.Tcp, 5432)])]);

    public static TheoryData<string> Enforcing => [.. CniPlugins.All.Where(k => k.EnforcesPolicy).Select(k => k.Name)];

    private static KubernetesCluster Cluster(string cni) =>
        new(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName(cni));

    private static TcpCounter Serve(Pod db)
    {
        var counter = new TcpCounter();
        _ = new TcpListener(db.Namespace, 5432, counter);
        return counter;
    }

    private static TcpSocket Connect(KubernetesCluster cluster, Pod from, Pod to, SimTime until)
    {
        var socket = TcpSocket.Connect(from.Namespace, to.Ip, 5432, new TcpWriter(100));
        cluster.Bed.Sim.RunUntil(until);
        return socket;
    }

    [Fact]
    public void Every_plugin_family_that_enforces_policy_is_covered()
    {
        Assert.Equal(["calico", "cilium", "weave"], CniPlugins.All.Where(k => k.EnforcesPolicy).Select(k => k.Family).Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Enforcing))]
    public void A_pod_created_after_a_deny_all_ingress_policy_is_unreachable(string cni)
    {
        var cluster = Cluster(cni);
        var api = cluster.AddPod("api", 1, Api);
        var policies = new NetworkPolicies(cluster);
        policies.Add(new NetworkPolicy("deny-all", new Dictionary<string, string>(), [])); // selects every pod, allows no ingress
        var db = cluster.AddPod("db", 2, Db);
        var served = Serve(db);

        var socket = Connect(cluster, api, db, SimTime.FromMilliseconds(20));

        Assert.Equal(TcpState.SynSent, socket.State); // still retrying its SYN
        Assert.Equal(0, served.Received);
    }

    [Theory]
    [MemberData(nameof(Enforcing))]
    public void A_pod_created_after_a_policy_that_selects_other_pods_stays_reachable(string cni)
    {
        var cluster = Cluster(cni);
        var policies = new NetworkPolicies(cluster);
        policies.Add(DbFromApi);
        var other = cluster.AddPod("other", 1, Other);
        var web = cluster.AddPod("web", 2, new Dictionary<string, string> { ["app"] = "web" }); // no policy selects it: not isolated
        var served = Serve(web);

        var socket = Connect(cluster, other, web, SimTime.FromMilliseconds(20));

        Assert.NotEqual(TcpState.SynSent, socket.State); // it connected (and closed: TcpWriter closes once written)
        Assert.Equal(100, served.Received);
    }

    [Theory]
    [MemberData(nameof(Enforcing))]
    public void A_pod_created_after_an_allow_from_label_policy_is_reachable_only_from_the_labelled_client(string cni)
    {
        var cluster = Cluster(cni);
        var policies = new NetworkPolicies(cluster);
        policies.Add(DbFromApi);
        // Server and both clients come after the policy: the server's endpoint and the api client's address must both be picked up.
        var api = cluster.AddPod("api", 1, Api);
        var other = cluster.AddPod("other", 1, Other);
        var db = cluster.AddPod("db", 2, Db);
        var served = Serve(db);

        var fromApi = TcpSocket.Connect(api.Namespace, db.Ip, 5432, new TcpWriter(100));
        var fromOther = Connect(cluster, other, db, SimTime.FromMilliseconds(20));

        Assert.NotEqual(TcpState.SynSent, fromApi.State);
        Assert.Equal(TcpState.SynSent, fromOther.State);
        Assert.Equal(100, served.Received); // api's bytes only
    }

    [Theory]
    [MemberData(nameof(Enforcing))]
    public void A_deleted_pods_address_no_longer_matches_and_its_replacement_does(string cni)
    {
        var cluster = Cluster(cni);
        var api = cluster.AddPod("api", 1, Api);
        var db = cluster.AddPod("db", 2, Db);
        var served = Serve(db);
        var policies = new NetworkPolicies(cluster);
        policies.Add(DbFromApi);
        var before = Connect(cluster, api, db, SimTime.FromMilliseconds(20));
        Assert.Equal(100, served.Received); // allowed while api exists

        // The model keeps a deleted pod's namespace and address up (KubernetesCluster.RemovePod), so a new SYN from
        // its address shows what the engine's sets hold: not that address any more.
        cluster.RemovePod("api");
        var replacement = cluster.AddPod("api-2", 1, Api); // the ReplicaSet's new pod, a new address
        var fromOld = TcpSocket.Connect(api.Namespace, db.Ip, 5432, new TcpWriter(100));
        var fromNew = Connect(cluster, replacement, db, SimTime.FromMilliseconds(40));

        Assert.Equal(TcpState.SynSent, fromOld.State);
        Assert.NotEqual(TcpState.SynSent, fromNew.State);
        Assert.Equal(200, served.Received);
        Assert.NotEqual(api.Ip, replacement.Ip);
        Assert.NotEqual(TcpState.SynSent, before.State);
    }

    [Theory]
    [MemberData(nameof(Enforcing))]
    public void A_replica_a_scale_up_adds_after_the_policy_gets_it(string cni)
    {
        var cluster = Cluster(cni);
        var api = cluster.AddPod("api", 1, Api);
        var other = cluster.AddPod("other", 1, Other);
        var deployment = new Deployment(cluster, "db", 1, Db, [2]);
        var policies = new NetworkPolicies(cluster);
        policies.Add(DbFromApi);

        deployment.Scale(2); // kubectl scale: db-1 is created now, after the policy
        var added = deployment.Pods.Single(p => p.Name == "db-1");
        var served = Serve(added);
        var fromApi = TcpSocket.Connect(api.Namespace, added.Ip, 5432, new TcpWriter(100));
        var fromOther = Connect(cluster, other, added, SimTime.FromMilliseconds(20));

        Assert.NotEqual(TcpState.SynSent, fromApi.State);
        Assert.Equal(TcpState.SynSent, fromOther.State);
        Assert.Equal(100, served.Received);
    }

    [Theory]
    [MemberData(nameof(Enforcing))]
    public void A_restarted_client_replica_is_let_in_and_its_predecessors_address_is_not_once_the_object_is_gone(string cni)
    {
        var cluster = Cluster(cni);
        var sim = cluster.Bed.Sim;
        var clients = new Deployment(cluster, "api", 1, Api, [1]);
        var db = cluster.AddPod("db", 2, Db);
        var served = Serve(db);
        var policies = new NetworkPolicies(cluster);
        policies.Add(DbFromApi);
        var old = clients.Pods.Single();

        clients.Delete(old); // kubectl delete pod: the ReplicaSet creates api-1 at once; api-0 terminates
        var replacement = clients.Pods.Single(p => !p.Terminating);
        var fromReplacement = Connect(cluster, replacement, db, SimTime.FromMilliseconds(20));
        Assert.NotEqual(TcpState.SynSent, fromReplacement.State);
        Assert.Equal(100, served.Received);

        // No preStop hook: SIGTERM at once, the object deleted when the kubelet notices the exit (1 s later).
        sim.RunUntil(SimTime.FromMilliseconds(1100));
        Assert.True(old.Deleted);
        var fromOld = Connect(cluster, old, db, SimTime.FromMilliseconds(1120));
        Assert.Equal(TcpState.SynSent, fromOld.State);
        Assert.Equal(100, served.Received);
    }
}
