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
/// Builds a 1,000-node, 30,000-pod, 5,000-Service cluster (calico-bgp, kube-proxy in iptables mode: every
/// node's KUBE-SERVICES holds 5,000 rules, shared between nodes): the time to build it, what it allocates, and
/// the process's peak working set (printed after the run: BenchmarkDotNet's memory diagnoser reports
/// allocation, not residency). Cold runs: each iteration is one whole build.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class ClusterBuildBenchmarks
{
    public const int Nodes = 1000;
    public const int PodsPerNode = 30;
    public const int Services = 5000;

    [Benchmark]
    public int BuildIptablesCluster()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = Nodes, CoresPerNode = 4 }, CniPlugin.ByName("calico-bgp"));
        for (int i = 0; i < Nodes * PodsPerNode; i++)
        {
            cluster.AddPod($"pod-{i}", (i % Nodes) + 1, new Dictionary<string, string> { ["app"] = $"app-{i % Services}" });
        }

        var proxy = new KubeProxyIptables(cluster);
        for (int i = 0; i < Services; i++)
        {
            proxy.Add(new Service($"svc-{i}", new Ipv4Address(0x0A600000u + (uint)i + 1), 80, 8080, IpProtocol.Tcp,
                new Dictionary<string, string> { ["app"] = $"app-{i}" }));
        }

        return proxy.ServiceRules;
    }

    [GlobalCleanup]
    public void ReportPeak() =>
        Console.WriteLine($"// peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
}
