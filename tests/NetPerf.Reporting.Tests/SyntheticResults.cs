namespace NetPerf.Reporting.Tests;

/// <summary>
/// A small result set shaped like a real run: three variants (two sharing a CNI) on two paths, one TCP_RR
/// workload, latency from a shifted exponential (a base round trip plus M/M/1-like queueing), CPU by node and
/// stage. Awkward text on purpose: a scenario name with a comma and quotes, a description with markup.
/// </summary>
internal static class SyntheticResults
{
    public const string Scenario = "cni \"shoot-out\", 2 nodes";
    public const string Baseline = "flannel-vxlan/iptables";

    public static readonly string[] Paths = ["pod-cross-node", "cluster-ip"];

    public static readonly (string Variant, string Cni, string KubeProxy, double BaseUs)[] Variants =
    [
        ("flannel-vxlan/iptables", "flannel-vxlan", "iptables", 32.5),
        ("calico-bgp/iptables", "calico-bgp", "iptables", 28.0),
        ("calico-bgp/ipvs", "calico-bgp", "ipvs", 27.25),
    ];

    private static readonly string[] Stages = ["Syscall", "TcpOutput", "VxlanEncapsulate", "NicTransmit", "NicReceive", "TcpInput"];

    private static readonly Lazy<IReadOnlyList<NetPerf.Reporting.Plots.RenderedPlot>> DefaultPlots =
        new(() => NetPerf.Reporting.Plots.ResultPlots.Render(Create()));

    /// <summary>The plots of <see cref="Create"/>'s default results, drawn once for every test that only reads them.</summary>
    public static IReadOnlyList<NetPerf.Reporting.Plots.RenderedPlot> Plots => DefaultPlots.Value;

    public static ResultSet Create(bool partial = false, bool samples = false)
    {
        var summary = new List<SummaryRow>();
        var cpu = new List<CpuRow>();
        var cdfs = new List<LatencyCdf>();
        var sampleRows = new List<SampleRow>();
        for (int p = 0; p < Paths.Length; p++)
        {
            string path = Paths[p];
            foreach ((string variant, string cni, string kubeProxy, double baseUs) in Variants)
            {
                // A ClusterIP connection walks kube-proxy's rules too: a few microseconds more.
                double rtt = baseUs + 3.1 * p;
                const double queueingMeanUs = 1.0 / 3; // an exponential tail of mean 1/3 us
                summary.Add(Row(variant, cni, kubeProxy, path, "latency", "us", 26_546, rtt + queueingMeanUs,
                    ci95: 0.0125, p50: rtt + queueingMeanUs * Math.Log(2), p90: rtt + queueingMeanUs * Math.Log(10),
                    p99: rtt + queueingMeanUs * Math.Log(100), p999: rtt + queueingMeanUs * Math.Log(1000),
                    partial: partial && variant == Variants[^1].Variant));
                // Four clients in a closed loop: throughput = clients / mean latency (Little's law).
                summary.Add(Row(variant, cni, kubeProxy, path, "throughput", "1/s", 5, 4 / ((rtt + queueingMeanUs) * 1e-6),
                    ci95: variant == Baseline ? null : 12.5, partial: partial && variant == Variants[^1].Variant));
                double cpuNs = 0;
                foreach ((string node, int n) in new[] { ("worker-1", 0), ("worker-2", 1) })
                {
                    for (int s = 0; s < Stages.Length; s++)
                    {
                        if (Stages[s] == "VxlanEncapsulate" && cni != "flannel-vxlan")
                            continue;
                        double ns = 100 * (s + 1) + 17.5 * n + (kubeProxy == "ipvs" ? 3 : 0);
                        cpuNs += ns;
                        cpu.Add(new CpuRow
                        {
                            Scenario = Scenario, Variant = variant, Path = path, Cni = cni, KubeProxy = kubeProxy,
                            Workload = "rr-64", Node = node, Stage = Stages[s], NanosecondsPerRequest = ns,
                            NanosecondsPerByte = ns / 128,
                        });
                    }
                }
                summary.Add(Row(variant, cni, kubeProxy, path, "cpu_per_request", "us", 5, cpuNs / 1000, ci95: 1e-7));

                var points = new List<(double, double)>();
                foreach (double q in (double[])[0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999])
                    points.Add((q * 100, rtt - queueingMeanUs * Math.Log(1 - q)));
                cdfs.Add(new LatencyCdf(variant, path, cni, kubeProxy, "rr-64", points));

                if (samples)
                {
                    for (int i = 0; i < 5; i++)
                    {
                        sampleRows.Add(new SampleRow
                        {
                            Variant = variant, Path = path, Workload = "rr-64", Replication = 1, Index = i,
                            LatencyMicroseconds = rtt + i / 7.0,
                        });
                    }
                }
            }
        }
        return new ResultSet
        {
            Scenario = Scenario,
            Description = "Flannel VXLAN against Calico BGP <script>alert(\"x\")</script> & kube-proxy modes",
            Baseline = Baseline,
            Summary = summary,
            Cpu = cpu,
            Cdfs = cdfs,
            Samples = sampleRows,
            Partial = partial,
            CniColours = new Dictionary<string, string> { ["flannel-vxlan"] = "#0072B2", ["calico-bgp"] = "#D55E00" }, // as the simulator's registry gives them
        };
    }

    private static SummaryRow Row(string variant, string cni, string kubeProxy, string path, string metric, string unit,
        long count, double mean, double? ci95 = null, double? p50 = null, double? p90 = null, double? p99 = null,
        double? p999 = null, bool partial = false) =>
        new()
        {
            Scenario = Scenario, Variant = variant, Path = path, Cni = cni, KubeProxy = kubeProxy, Workload = "rr-64",
            Test = "TCP_RR", RequestBytes = 64, ResponseBytes = 64, Metric = metric, Unit = unit, Count = count,
            Mean = mean, Ci95 = ci95, P50 = p50, P90 = p90, P99 = p99, P999 = p999, Partial = partial,
        };
}

/// <summary>A fresh directory under the system temp folder, deleted with its contents on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "netperf-reporting-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
