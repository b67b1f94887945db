using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Dns;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Tests.Dns;

public class ResolverTests
{
    private static readonly Ipv4Address KubeDns = Ipv4Address.Parse("10.96.0.10");

    /// <summary>A client pod in namespace "default" on node1; CoreDNS on node2 behind the kube-dns Service; Services web.default and api.prod.</summary>
    private static (KubernetesCluster Cluster, StubResolver Resolver, CoreDns Dns) Build(CostTable costs)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = costs }, CniPlugin.ByName("calico-bgp"));
        var client = cluster.AddPod("client", 1);
        var corednsPod = cluster.AddPod("coredns", 2, new Dictionary<string, string> { ["k8s-app"] = "kube-dns" });
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("kube-dns", KubeDns, 53, 53, IpProtocol.Udp, new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }));
        var dns = new CoreDns(corednsPod);
        dns.AddService("web", "default", Ipv4Address.Parse("10.96.0.20"));
        dns.AddService("api", "prod", Ipv4Address.Parse("10.96.0.21"));
        dns.AddExternal("example.com", Ipv4Address.Parse("93.184.216.34"));
        var resolver = new StubResolver(client, new ResolvConf("default"), dns, KubeDns);
        return (cluster, resolver, dns);
    }

    [Theory]
    [InlineData("web", 1, "web.default.svc.cluster.local")]
    [InlineData("api.prod", 2, "api.prod.svc.cluster.local")]
    [InlineData("api.prod.svc.cluster.local", 4, "api.prod.svc.cluster.local")]
    [InlineData("example.com", 4, "example.com")]
    public void With_ndots_5_a_name_costs_the_queries_its_place_in_the_search_list_says(string name, int perType, string answered)
    {
        var (cluster, resolver, dns) = Build(CostTable.Default());
        DnsLookup? result = null;
        resolver.Resolve(name, r => result = r);
        cluster.Bed.Sim.Run();

        Assert.NotNull(result);
        Assert.True(result.Found);
        Assert.Equal(answered, result.Answered);
        Assert.Equal(perType, result.QueriesPerType);
        Assert.Equal(perType, dns.QueriesA);    // one A and one AAAA for every name tried
        Assert.Equal(perType, dns.QueriesAaaa);
        Assert.Equal(2 * (perType - 1), dns.NxDomains);
    }

    [Fact]
    public void A_lookup_waits_for_both_answers_and_the_single_threaded_server_answers_them_in_turn()
    {
        // With a free kernel only the wire and CoreDNS's 56 us per query count: A at one service time, AAAA at two.
        var (cluster, resolver, _) = Build(CostTable.Free());
        DnsLookup? result = null;
        resolver.Resolve("web", r => result = r);
        cluster.Bed.Sim.Run();

        // The A and AAAA queries leave back to back and are stored and forwarded by the switch; A is served
        // (one service time) while AAAA waits, then AAAA (a second); AAAA's answer, the same size as its query,
        // comes back over the same two cables: 4 serialisations, 4 propagations, 2 service times.
        int udp = 12 + 4 + "web.default.svc.cluster.local".Length + 2;
        long frame = ((HeaderSizes.WireBytes(HeaderSizes.Ipv4 + HeaderSizes.Udp + udp) * 8L * SimTime.PicosecondsPerSecond) + 9_999_999_999) / 10_000_000_000;
        long expected = (4 * frame) + (4 * SimTime.FromMicroseconds(1).Picoseconds) + (2 * CoreDns.DefaultServiceTime.Picoseconds);
        Assert.NotNull(result);
        Assert.Equal(expected, result.Latency.Picoseconds);
        Assert.True(result.Latency > 2 * CoreDns.DefaultServiceTime);
    }
}
