using NetPerf.Engine.Time;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Stack;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using NetPerf.Transport.Tcp;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// cluster.masqueradePorts: the CNI plugin's masquerade rules without or with --random-fully, read and refused at
/// its line like the other settings, and the SNAT port race it decides through a built cluster's Calico natOutgoing
/// rules: two pods on node 1 connect at once, from one source port, to the host beyond the edge (kubernetes#76699).
/// </summary>
public class MasqueradePortsTests
{
    private const string Base = """
        duration: 100ms
        workloads: [{name: rr, test: TCP_RR, paths: [egress]}]

        """;

    private static ScenarioError Only(string yaml)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(yaml, "t.yaml"));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void The_setting_is_keep_source_unless_given_and_compare_sweeps_both()
    {
        Assert.Equal(NatPortSelection.KeepSource, ScenarioReader.Parse(Base, "t.yaml").Cluster.MasqueradePorts);
        var fully = ScenarioReader.Parse(Base + "cluster: {masqueradePorts: random-fully}\n", "t.yaml");
        Assert.Equal(NatPortSelection.RandomFully, fully.Cluster.MasqueradePorts);

        var swept = ScenarioReader.Parse(Base + "compare: {masqueradePorts: [keep-source, random-fully]}\n", "t.yaml");
        Assert.Equal(["masq-keep-source", "masq-random-fully"], swept.Variants().Select(v => v.Name));
    }

    [Fact]
    public void A_value_other_than_keep_source_or_random_fully_is_refused_at_its_line_and_column()
    {
        var cluster = Only(Base + "cluster: {masqueradePorts: hashed}\n");
        Assert.Equal((3, 28), (cluster.Line, cluster.Column));
        Assert.Equal("cluster.masqueradePorts: 'hashed' is not allowed; allowed: keep-source, random-fully", cluster.Message);

        var compare = Only(Base + "compare:\n  masqueradePorts: [keep-source, random-fuly]\n");
        Assert.Equal((4, 34), (compare.Line, compare.Column));
        Assert.StartsWith("compare.masqueradePorts: 'random-fuly' is not allowed (did you mean 'random-fully'?)", compare.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Two pods on node 1 (2 cores) connect at once to the remote host's port 80, on CPU 0 and CPU 1, each from
    /// port 40000 it bound (connect() alone hashes each pod's start differently, __inet_hash_connect, so two
    /// pods share a port only by chance or by binding it).
    /// </summary>
    private static (ClusterBuild Build, TcpSocket A, TcpSocket B) Race(string masqueradePorts, string kernel = "6.18")
    {
        var s = ScenarioReader.Parse(Base + $"cluster: {{cni: calico-bgp, coresPerNode: 2, kernel: \"{kernel}\", masqueradePorts: {masqueradePorts}}}\n", "t.yaml");
        var build = new ClusterBuild(s, s.Variants()[0], s.Seed, beyondEdge: true);
        _ = new TcpListener(build.Remote!.Root, 80, new Quiet());
        var podA = build.Cluster.AddPod("app-a", 1);
        var podB = build.Cluster.AddPod("app-b", 1);
        var a = TcpSocket.Connect(podA.Namespace, build.RemoteAddress, 80, new Quiet(), core: 0, localPort: 40000);
        var b = TcpSocket.Connect(podB.Namespace, build.RemoteAddress, 80, new Quiet(), core: 1, localPort: 40000);
        return (build, a, b);
    }

    [Theory]
    [InlineData("6.18")]
    [InlineData("4.14")]
    public void Without_random_fully_the_second_SYN_is_lost_to_insert_failed_and_its_connection_waits_the_1_s_initial_RTO(string kernel)
    {
        var (build, a, b) = Race("keep-source", kernel);
        var node1 = build.Cluster.Node(1).Host;
        build.Cluster.Bed.Sim.RunUntil(build.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(900));
        Assert.Equal(TcpState.Established, a.State);
        Assert.Equal(TcpState.SynSent, b.State);
        Assert.Equal(1, node1.ConntrackStatistics().InsertFailed);
        Assert.Equal(1, node1.Drops(DropReason.ConntrackInsertFailed));
        build.Cluster.Bed.Sim.RunUntil(build.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(200));
        Assert.Equal(TcpState.Established, b.State);
    }

    [Fact]
    public void With_random_fully_both_connect_at_once()
    {
        var (build, a, b) = Race("random-fully");
        build.Cluster.Bed.Sim.RunUntil(build.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(5));
        Assert.Equal(TcpState.Established, a.State);
        Assert.Equal(TcpState.Established, b.State);
        Assert.Equal(0, build.Cluster.Node(1).Host.ConntrackStatistics().InsertFailed);
    }

    private sealed class Quiet : ITcpApplication
    {
        public void OnConnected(TcpSocket socket)
        {
        }

        public void OnReceived(TcpSocket socket, long bytes)
        {
        }

        public void OnPeerClosed(TcpSocket socket)
        {
        }

        public void OnClosed(TcpSocket socket)
        {
        }
    }
}
