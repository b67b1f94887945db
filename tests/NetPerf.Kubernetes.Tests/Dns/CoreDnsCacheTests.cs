using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Dns;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Tests.Dns;

/// <summary>CoreDNS's cache plugin (<c>cache 30</c>) under a pod's resolver, which has no cache of its own.</summary>
public class CoreDnsCacheTests
{
    private static readonly Ipv4Address KubeDns = Ipv4Address.Parse("10.96.0.10");

    private static (KubernetesCluster Cluster, StubResolver Resolver, CoreDns Dns) Build(bool cache = true)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = CostTable.Free() }, CniPlugin.ByName("calico-bgp"));
        var client = cluster.AddPod("client", 1);
        var corednsPod = cluster.AddPod("coredns", 2, new Dictionary<string, string> { ["k8s-app"] = "kube-dns" });
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("kube-dns", KubeDns, 53, 53, IpProtocol.Udp, new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }));
        var dns = cache ? new CoreDns(corednsPod) : new CoreDns(corednsPod) { Cache = null };
        dns.AddService("web", "default", Ipv4Address.Parse("10.96.0.20"));
        dns.AddExternal("example.com", Ipv4Address.Parse("93.184.216.34"));
        return (cluster, new StubResolver(client, new ResolvConf("default"), dns, KubeDns), dns);
    }

    /// <summary>Resolves <paramref name="name"/> starting at <paramref name="at"/> and runs until it is done.</summary>
    private static DnsLookup ResolveAt(KubernetesCluster cluster, StubResolver resolver, string name, SimTime at)
    {
        cluster.Bed.Sim.RunUntil(at);
        DnsLookup? result = null;
        resolver.Resolve(name, r => result = r);
        cluster.Bed.Sim.Run();
        Assert.NotNull(result);
        return result;
    }

    [Fact]
    public void A_second_lookup_within_30_s_is_answered_from_the_cache_cheaper_by_the_modelled_difference()
    {
        var (cluster, resolver, dns) = Build();
        var first = ResolveAt(cluster, resolver, "web", SimTime.Zero);
        var second = ResolveAt(cluster, resolver, "web", SimTime.FromSeconds(29));

        // The pod still asks (glibc keeps no cache): one A and one AAAA each time; CoreDNS answers the second pair
        // from its cache. A free kernel leaves only the wire and CoreDNS's work, served A then AAAA on one core, so
        // the second lookup is shorter by exactly 2 x (89.6 - 56) us.
        Assert.Equal(1, second.QueriesPerType);
        Assert.Equal(2, dns.QueriesA);
        Assert.Equal((Hits: 2L, Misses: 2L), (dns.Cache!.Hits, dns.Cache.Misses));
        Assert.Equal(2 * (CoreDns.DefaultServiceTime - CoreDns.DefaultCacheHitTime).Picoseconds, (first.Latency - second.Latency).Picoseconds);
        Assert.Equal(SimTime.FromNanoseconds(67_200), first.Latency - second.Latency);
        Assert.Equal(first.Addresses, second.Addresses);
    }

    [Fact]
    public void After_the_30_s_TTL_the_lookup_misses_again_and_costs_what_the_first_did()
    {
        var (cluster, resolver, dns) = Build();
        var first = ResolveAt(cluster, resolver, "web", SimTime.Zero);
        var late = ResolveAt(cluster, resolver, "web", SimTime.FromSeconds(31));

        Assert.Equal((Hits: 0L, Misses: 4L), (dns.Cache!.Hits, dns.Cache.Misses));
        Assert.Equal(first.Latency, late.Latency);
    }

    [Fact]
    public void The_search_lists_NXDOMAINs_are_cached_too_so_a_repeated_external_lookup_misses_nothing()
    {
        // example.com has one dot, under ndots:5: three NXDOMAINs per type from the search list, then the name.
        var (cluster, resolver, dns) = Build();
        var first = ResolveAt(cluster, resolver, "example.com", SimTime.Zero);
        var second = ResolveAt(cluster, resolver, "example.com", SimTime.FromSeconds(10));

        Assert.Equal((4, 4), (first.QueriesPerType, second.QueriesPerType)); // the same 8 queries go out each time
        Assert.Equal(12, dns.NxDomains);                                      // 6 each time, the second from the cache
        Assert.Equal((Hits: 8L, Misses: 8L), (dns.Cache!.Hits, dns.Cache.Misses));
        Assert.Equal(8 * (CoreDns.DefaultServiceTime - CoreDns.DefaultCacheHitTime).Picoseconds, (first.Latency - second.Latency).Picoseconds);
        Assert.Equal("example.com", second.Answered);
    }

    [Fact]
    public void Without_the_cache_plugin_every_lookup_costs_the_same()
    {
        var (cluster, resolver, dns) = Build(cache: false);
        var first = ResolveAt(cluster, resolver, "web", SimTime.Zero);
        var second = ResolveAt(cluster, resolver, "web", SimTime.FromSeconds(1));

        Assert.Null(dns.Cache);
        Assert.Equal(first.Latency, second.Latency);
    }
}
