using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Benchmarks.Kubernetes;

/// <summary>
/// Builds Kubernetes' threshold cluster (its published scalability limits: 5,000 nodes, 150,000 pods, 10,000
/// Services of at most 250 endpoints) in each kube-proxy mode, on calico-vxlan (felix's routes: no 12.5 M-session
/// BGP mesh), with the node subnet and pod range a scenario needs for it (192.168.0.0/19, 10.0.0.0/10 of /24s).
/// Pods are 30 a node, in 600 groups of 250 (app-0 ... app-599); Service i selects group i mod 600: 250 endpoints
/// each, 2.5 M in all. The method names carry the node count; the 500-node methods (a tenth of everything) are for
/// a dry run on a shared machine (<c>--filter '*500Nodes*' --job dry</c>). Cold runs: each iteration is one whole
/// build; the peak working set is printed after the run (the memory diagnoser reports allocation, not residency).
/// Issue 14's targets: at most 10 s and 4 GiB peak per 5,000-node build on a 2-core machine.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class ThresholdClusterBuildBenchmarks
{
    /// <summary>Pods per node and endpoints per Service at the threshold: 150,000 / 5,000 and Kubernetes' 250.</summary>
    private const int PodsPerNode = 30;
    private const int EndpointsPerService = 250;

    [Benchmark]
    public int Build5000NodesIptables() => Build(5000, KubeProxyMode.Iptables);

    [Benchmark]
    public int Build5000NodesIpvs() => Build(5000, KubeProxyMode.Ipvs);

    [Benchmark]
    public int Build5000NodesNftables() => Build(5000, KubeProxyMode.Nftables);

    [Benchmark]
    public int Build500NodesIptables() => Build(500, KubeProxyMode.Iptables);

    [Benchmark]
    public int Build500NodesIpvs() => Build(500, KubeProxyMode.Ipvs);

    [Benchmark]
    public int Build500NodesNftables() => Build(500, KubeProxyMode.Nftables);

    /// <summary>Service i's ClusterIP (from 10.96.0.1), its port and its pods' port.</summary>
    internal static Ipv4Address ServiceIp(int i) => new(0x0A600000u + (uint)i + 1);

    internal const ushort ServicePort = 80;
    internal const ushort ServiceTargetPort = 8080;

    /// <summary>nodes nodes, 30 pods each, nodes x 2 Services (10,000 at 5,000 nodes) of 250 endpoints; the Services added.</summary>
    private static int Build(int nodes, KubeProxyMode mode)
    {
        var cluster = BuildCluster(nodes, mode);
        GC.KeepAlive(cluster);
        return nodes * 2;
    }

    /// <summary>
    /// The cluster <see cref="Build"/> makes, kept for <see cref="Measure"/>; with <paramref name="racks"/> above 1
    /// on a leaf-spine fabric of that many racks and 4 spines (ECMP across them).
    /// </summary>
    internal static KubernetesCluster BuildCluster(int nodes, KubeProxyMode mode, int racks = 1)
    {
        var cluster = new KubernetesCluster(new ClusterOptions
        {
            Nodes = nodes,
            CoresPerNode = 4,
            Racks = racks,
            Spines = racks > 1 ? 4 : 1,
            NodeSubnet = Ipv4Prefix.Parse("192.168.0.0/19"),
            ClusterCidr = Ipv4Prefix.Parse("10.0.0.0/10"),
        }, CniPlugin.ByName("calico-vxlan"));
        int pods = nodes * PodsPerNode;
        int groups = pods / EndpointsPerService;
        var labels = Enumerable.Range(0, groups).Select(g => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["app"] = $"app-{g}" }).ToArray();
        for (int i = 0; i < pods; i++)
        {
            cluster.AddPod($"pod-{i}", (i % nodes) + 1, labels[i / EndpointsPerService]);
        }

        var add = mode.Install(cluster);
        int services = nodes * 2;
        for (int i = 0; i < services; i++)
        {
            add(new Service($"svc-{i}", ServiceIp(i), ServicePort, ServiceTargetPort, IpProtocol.Tcp, labels[i % groups]));
        }

        return cluster;
    }

    /// <summary>
    /// <c>dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- threshold-build [iptables|ipvs|nftables] [nodes...]</c>:
    /// one build per line (default: IPVS at 500, 1,000, 2,000 and 5,000 nodes), what it allocated, the live heap it
    /// keeps (after a full compacting collection) and its wall time. Run one size per process for the truest live heap.
    /// </summary>
    public static void Measure(TextWriter output, string[] args)
    {
        var modes = args.Where(a => !char.IsDigit(a[0])).Select(a => KubeProxyMode.All.Single(m => m.Name == a)).DefaultIfEmpty(KubeProxyMode.Ipvs).ToArray();
        int[] sizes = args.Where(a => char.IsDigit(a[0])).Select(int.Parse).DefaultIfEmpty().ToArray();
        if (sizes is [0])
        {
            sizes = [500, 1000, 2000, 5000];
        }

        foreach (var mode in modes)
        {
            foreach (int nodes in sizes)
            {
                output.WriteLine(MeasureOne(nodes, mode));
            }
        }
    }

    /// <summary>One build, in its own frame so that no cluster outlives its measurement.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string MeasureOne(int nodes, KubeProxyMode mode)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long live0 = GC.GetTotalMemory(forceFullCollection: true);
        long allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var paused0 = GC.GetTotalPauseDuration();
        var watch = Stopwatch.StartNew();
        var cluster = BuildCluster(nodes, mode);
        watch.Stop();
        var paused = GC.GetTotalPauseDuration() - paused0;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long live = GC.GetTotalMemory(forceFullCollection: true) - live0;
        GC.KeepAlive(cluster);
        return $"{mode.Name} {nodes} nodes, {nodes * PodsPerNode} pods, {nodes * 2} Services: allocated {allocated / 1e6:F1} MB, live {live / 1e6:F1} MB, {watch.Elapsed.TotalSeconds:F2} s ({paused.TotalSeconds:F2} s of it paused for GC), peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB";
    }

    [GlobalCleanup]
    public void ReportPeak() =>
        Console.WriteLine($"// peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
}
