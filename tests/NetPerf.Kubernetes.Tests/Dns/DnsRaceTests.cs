using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Dns;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Tests.Dns;

/// <summary>
/// The DNS 5 s delay (kubernetes#56903): A and AAAA from one socket, DNATed by kube-proxy to one of the CoreDNS
/// endpoints each, in the client node's hooks on two CPUs at once; one is dropped at confirmation on the kernels
/// that cannot settle the clash, and glibc waits out its 5 s timeout.
/// </summary>
public class DnsRaceTests
{
    private static readonly Ipv4Address KubeDns = Ipv4Address.Parse("10.96.0.10");
    private const int Lookups = 40;

    private sealed record Outcome(List<DnsLookup> Results, long InsertFailed, long Dropped);

    /// <summary>Lookups of "web" one after another from a client pod on node 1, each from a new process (a new resolver and socket).</summary>
    private static Outcome Run(ConntrackClashResolution kernel, int cores = 2, int coreDnsPods = 2, ResolverQueries queries = ResolverQueries.Parallel)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, CoresPerNode = cores }, CniPlugin.ByName("calico-bgp"));
        foreach (var node in cluster.Nodes)
        {
            node.Host.Conntrack.ClashResolution = kernel;
        }

        var client = cluster.AddPod("client", 1);
        var labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns" };
        var servers = new List<CoreDns> { new(cluster.AddPod("coredns-0", 2, labels)) };
        for (int i = 1; i < coreDnsPods; i++)
        {
            servers.Add(new CoreDns(cluster.AddPod($"coredns-{i}", 2 + (i % 2), labels), replicaOf: servers[0]));
        }

        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("kube-dns", KubeDns, 53, 53, IpProtocol.Udp, labels));
        servers[0].AddService("web", "default", Ipv4Address.Parse("10.96.0.20"));

        var results = new List<DnsLookup>();
        var sim = cluster.Bed.Sim;
        for (int i = 0; i < Lookups; i++)
        {
            var resolver = new StubResolver(client, new ResolvConf("default") { Queries = queries }, servers[0], KubeDns, core: 0)
            {
                SecondQueryCore = cores > 1 ? 1 : -1,
            };
            DnsLookup? result = null;
            resolver.Resolve("web.default.svc.cluster.local.", r => result = r);
            while (result is null)
            {
                sim.RunUntil(sim.Now + SimTime.FromMilliseconds(1));
            }

            resolver.Close();
            results.Add(result);
            sim.RunUntil(sim.Now + SimTime.FromMilliseconds(1));
        }

        var host = cluster.Node(1).Host;
        return new Outcome(results, host.ConntrackStatistics().InsertFailed, host.Drops(DropReason.ConntrackInsertFailed));
    }

    [Fact]
    public void On_5_4_with_two_cores_and_two_endpoints_some_lookups_wait_the_5_s_timeout_and_each_is_an_insert_failed()
    {
        var o = Run(ConntrackClashResolution.MatchingOnly);
        var hit = o.Results.Where(r => r.Timeouts > 0).ToList();
        Assert.NotEmpty(hit);
        Assert.True(hit.Count < Lookups, "the DNAT of both queries picks the same endpoint about half the time, and then the clash is merged");
        Assert.All(o.Results, r => Assert.True(r.Found));
        Assert.All(hit, r =>
        {
            Assert.Equal(1, r.Timeouts);
            Assert.InRange(r.Latency, ResolvConf.DefaultTimeout, ResolvConf.DefaultTimeout + SimTime.FromMilliseconds(5));
        });
        Assert.All(o.Results.Except(hit), r => Assert.True(r.Latency < SimTime.FromMilliseconds(5)));
        Assert.Equal(hit.Count, o.InsertFailed);
        Assert.Equal(hit.Count, o.Dropped);
    }

    [Fact]
    public void Before_4_19_even_one_endpoint_loses_a_query_but_5_4_merges_it()
    {
        Assert.Contains(Run(ConntrackClashResolution.UntranslatedOnly, coreDnsPods: 1).Results, r => r.Timeouts > 0);
        Assert.All(Run(ConntrackClashResolution.MatchingOnly, coreDnsPods: 1).Results, r => Assert.Equal(0, r.Timeouts));
    }

    [Fact]
    public void Never_on_one_core_never_on_6_18_never_with_single_request_reopen()
    {
        foreach (var o in new[]
        {
            Run(ConntrackClashResolution.MatchingOnly, cores: 1),
            Run(ConntrackClashResolution.InsertClashing),
            Run(ConntrackClashResolution.MatchingOnly, queries: ResolverQueries.SingleRequestReopen),
        })
        {
            Assert.All(o.Results, r => Assert.Equal(0, r.Timeouts));
            Assert.Equal(0, o.InsertFailed);
        }
    }

    [Fact]
    public void On_6_18_the_clashing_query_is_answered_by_the_other_endpoint()
    {
        var o = Run(ConntrackClashResolution.InsertClashing);
        Assert.All(o.Results, r => Assert.True(r.Latency < SimTime.FromMilliseconds(5)));
    }
}
