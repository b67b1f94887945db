using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;

namespace NetPerf.Benchmarks.Kubernetes;

/// <summary>
/// Builds a cluster of nodes alone (no pods or Services: what grows with the node count) on a
/// leaf-spine fabric of racks of 253 nodes and 4 spines, on 192.168.0.0/19 with pod ranges from 10.0.0.0/11 (the
/// narrowest CIDR of /24s that holds 5,000: docs/scale.md), at 500, 1,000, 2,000 and 5,000 nodes, on
/// flannel-vxlan (a route, a neighbour and an FDB entry per other node) and calico-bgp (a route per other node's
/// block, via the ToR to other racks). What every node holds towards every other node's pods is what grows as
/// nodes squared: 25 M routes at 5,000. Cold runs: each iteration is one whole build; the memory diagnoser reports
/// what a build allocates, <see cref="Measure"/> what it keeps (the live heap after a full collection).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class RackClusterBuildBenchmarks
{
    [Params(500, 1000, 2000, 5000)]
    public int Nodes { get; set; }

    [Params("flannel-vxlan", "calico-bgp")]
    public string Plugin { get; set; } = "flannel-vxlan";

    [Benchmark]
    public int BuildNodesOnRacks() => Build(Nodes, Plugin).Nodes.Count;

    /// <summary>The cluster: racks of 253 nodes (as many as the nodes need), 4 spines.</summary>
    public static KubernetesCluster Build(int nodes, string plugin) => new(new ClusterOptions
    {
        Nodes = nodes,
        Racks = Math.Max(2, (nodes + 252) / 253),
        Spines = 4,
        NodeSubnet = Ipv4Prefix.Parse("192.168.0.0/19"),
        ClusterCidr = Ipv4Prefix.Parse("10.0.0.0/11"),
    }, CniPlugin.ByName(plugin));

    /// <summary>
    /// <c>dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- rack-build [plugin] [nodes...]</c>: one
    /// build per line, what it allocated, the live heap it keeps (after a full compacting collection) and its wall time.
    /// </summary>
    public static void Measure(TextWriter output, string[] args)
    {
        string[] plugins = args.Length > 0 && !char.IsDigit(args[0][0]) ? [args[0]] : ["flannel-vxlan", "calico-bgp"];
        int[] sizes = args.Where(a => char.IsDigit(a[0])).Select(int.Parse).DefaultIfEmpty().ToArray();
        if (sizes is [0])
        {
            sizes = [500, 1000, 2000, 5000];
        }

        foreach (var plugin in plugins)
        {
            foreach (int nodes in sizes)
            {
                output.WriteLine(MeasureOne(nodes, plugin));
            }
        }
    }

    /// <summary>One build, in its own frame so that no cluster outlives its measurement.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string MeasureOne(int nodes, string plugin)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long live0 = GC.GetTotalMemory(forceFullCollection: true);
        long allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var cluster = Build(nodes, plugin);
        watch.Stop();
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated0;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long live = GC.GetTotalMemory(forceFullCollection: true) - live0;
        GC.KeepAlive(cluster);
        return $"{plugin} {nodes} nodes: allocated {allocated / 1e6:F1} MB, live {live / 1e6:F1} MB, {watch.Elapsed.TotalSeconds:F2} s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB";
    }

    [GlobalCleanup]
    public void ReportPeak() =>
        Console.WriteLine($"// peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
}
