using System.Globalization;
using NetPerf.Reporting.K8sNetperf;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Compat;

/// <summary>k8s-netperf's flags that change what is run, with their meanings (cmd/k8s-netperf/k8s-netperf.go).</summary>
public sealed record K8sNetperfOptions
{
    /// <summary>--local: server and client pods on the same node.</summary>
    public bool Local { get; init; }

    /// <summary>
    /// --across: "Place the client and server across availability zones", as its help says; what k8s-netperf does
    /// with it is nothing (<see cref="K8sNetperfRun.AcrossIgnored"/>), and so is what is done here.
    /// </summary>
    public bool Across { get; init; }

    /// <summary>--hostNet: only hostNetwork tests, no pod network tests.</summary>
    public bool HostNetOnly { get; init; }

    /// <summary>--all: hostNetwork and pod network tests.</summary>
    public bool All { get; init; }

    /// <summary>--tcp-tolerance: the %diff of hostNetwork over pod network TCP_STREAM above which the run exits 1 (default 10).</summary>
    public double TcpTolerance { get; init; } = 10;

    /// <summary>The simulated cluster: a plugin and a kube-proxy mode (default: the scenario defaults, flannel-vxlan and iptables).</summary>
    public string Cni { get; init; } = "flannel-vxlan";
    public string KubeProxy { get; init; } = "iptables";
    public int Nodes { get; init; } = 2;

    /// <summary>Seeds the simulation, the document's timestamp and the file's time suffix.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// Simulated time measured per sample, after <see cref="WarmUp"/>: a steady-state window, not the config's
    /// seconds (which are reported as asked for); the simulator's figures for a window are its figures for any
    /// longer steady run, less the sampling noise a longer window would average away.
    /// </summary>
    public Engine.Time.SimTime Window { get; init; } = Engine.Time.SimTime.FromMilliseconds(20);
    public Engine.Time.SimTime WarmUp { get; init; } = Engine.Time.SimTime.FromMilliseconds(5);

    public int Parallelism { get; init; } = Environment.ProcessorCount;

    public bool HostNetwork => All || HostNetOnly;

    /// <summary>
    /// --serverIP: the server is an address outside the cluster, and k8s-netperf starts only the client pod
    /// (ExternalServer true in its results). Here that server is the host beyond the cluster's edge, reached
    /// through the client's node's masquerade (the egress path); the address given is reported, not simulated.
    /// </summary>
    public string? ServerIp { get; init; }
}

/// <summary>What a k8s-netperf config gave: its rows, the hostNetwork vs pod network TCP_STREAM differences beyond tolerance, tests skipped.</summary>
public sealed record K8sNetperfOutcome(IReadOnlyList<K8sNetperfRow> Rows, IReadOnlyList<string> ToleranceFailures, IReadOnlyList<string> Skipped)
{
    /// <summary>What the run did differently from what a flag's help promises (printed on stderr beside the skipped tests).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// Runs a k8s-netperf config on a simulated cluster as k8s-netperf would on a real one: for each test in order,
/// a hostNetwork run (with --all or --hostNet, not through a Service) and a pod network one (unless --hostNet),
/// each <c>samples</c> times with seeds seed, seed+1, ...; then its pass/fail on TCP_STREAM (TCPThroughputDiff
/// in pkg/results/result.go). Paths: service true is the ClusterIP (cluster-ip: by DNS name, the endpoint on the
/// other node); hostNetwork is node-to-node (--local: node-local); otherwise pod-cross-node (--local:
/// pod-same-node). parallelism is netperf processes, here connections; burst (netperf's -b, TCP_RR only) keeps
/// burst + 1 transactions in flight, run here as that many connections per process.
/// </summary>
public static class K8sNetperfRun
{
    /// <summary>
    /// Why --across changes nothing. In cmd/k8s-netperf/k8s-netperf.go (cloud-bulldozer/k8s-netperf fb9a2ec,
    /// 2026-08-13; so since the 2023 change that added the local, #88) the flag is bound to the package's
    /// <c>acrossAZ</c>, but the command's Run declares its own <c>var acrossAZ bool</c> first and builds
    /// PerfScenarios.AcrossAZ from that, false: BuildSUT never sees the flag, so neither its "&lt; 2 zones" refusal
    /// nor its preference for the server in another zone happens. The results' acrossAZ is what Run then derives:
    /// true when not --local and every worker has a zone label and GetZone's zone has one worker; the simulated
    /// cluster's nodes have no zone label, so false, as k8s-netperf would report on such a cluster.
    /// </summary>
    public const string AcrossIgnored = "--across changes nothing, as in k8s-netperf: its command's Run declares a local acrossAZ that shadows the flag's variable (cmd/k8s-netperf/k8s-netperf.go), so neither its \"< 2 zones\" refusal nor its server placement in another zone happens; acrossAZ is reported as k8s-netperf derives it from the nodes' zone labels: false, the simulated cluster has none";

    public static K8sNetperfOutcome Run(IReadOnlyList<K8sNetperfTest> tests, K8sNetperfOptions o, string file)
    {
        if (o.ServerIp is not null && o.HostNetwork)
        {
            // With --serverIP k8s-netperf deploys the client pod only (pkg/k8s/kubernetes.go, "No service or server pod required").
            throw new ScenarioException([new ScenarioError(file, 1, 1, "--serverIP: an external server is measured from the client pod only (k8s-netperf deploys no hostNetwork client then); drop --hostNet and --all, or --serverIP")]);
        }

        var rows = new List<K8sNetperfRow>();
        var skipped = new List<string>();
        foreach (var t in tests)
        {
            if (t.Profile == "TCP_STREAM_LAT")
            {
                skipped.Add($"Test {t.Profile} is not supported with driver netperf. Skipping.");
                continue;
            }

            if (o.HostNetwork && !t.Service)
            {
                rows.Add(RunOne(t, o, hostNet: true, file));
            }

            if (!o.HostNetOnly)
            {
                rows.Add(RunOne(t, o, hostNet: false, file));
            }
        }

        return new K8sNetperfOutcome(rows, ToleranceFailures(rows, o), skipped) { Notes = o.Across ? [AcrossIgnored] : [] };
    }

    /// <summary>TCPThroughputDiff and calDiff: (host - pod) / mean x 100 per message size, single stream, no Service; beyond tolerance exits 1.</summary>
    public static IReadOnlyList<string> ToleranceFailures(IReadOnlyList<K8sNetperfRow> rows, K8sNetperfOptions o)
    {
        if (o.HostNetOnly || !rows.Any(r => r.HostNetwork))
        {
            return [];
        }

        var failures = new List<string>();
        foreach (var host in rows.Where(r => !r.Service && r.Parallelism == 1 && r.HostNetwork && r.Profile == "TCP_STREAM"))
        {
            var pod = rows.FirstOrDefault(r => !r.Service && !r.HostNetwork && r.Profile == "TCP_STREAM" && r.MessageSize == host.MessageSize && r.Parallelism == 1);
            double h = host.Throughput.Average(), p = pod?.Throughput.Average() ?? 0;
            double diff = (h - p) / ((h + p) / 2) * 100;
            if (o.TcpTolerance < diff)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"TCP Single Stream (Message Size : {host.MessageSize}) percent difference when comparing hostNetwork to podNetwork is greater than {o.TcpTolerance:F1} percent ({diff:F1} percent) for {host.Parallelism} streams"));
            }
        }

        return failures;
    }

    /// <summary>
    /// The 95% interval of the samples' mean, as result.ConfidenceInterval gives it (go-moremath's MeanCI:
    /// Student's t with n - 1 degrees of freedom); (0, 0) for one sample, which k8s-netperf does not interval.
    /// </summary>
    public static (double Low, double High) Confidence(IReadOnlyList<double> xs)
    {
        if (xs.Count <= 1)
        {
            return (0, 0);
        }

        double mean = xs.Average();
        double sd = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1));
        double half = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, xs.Count - 1, 0.975) * sd / Math.Sqrt(xs.Count);
        return (mean - half, mean + half);
    }

    private static K8sNetperfRow RunOne(K8sNetperfTest t, K8sNetperfOptions o, bool hostNet, string file)
    {
        // executeWorkload: serverIP, when given, comes before the Service and the pods.
        string path = o.ServerIp is not null ? "egress"
            : t.Service ? "cluster-ip" : hostNet ? (o.Local ? "node-local" : "node-to-node") : (o.Local ? "pod-same-node" : "pod-cross-node");
        int clients = t.Parallelism * (t.Profile == "TCP_RR" && t.Burst > 0 ? t.Burst + 1 : 1);

        // netperf's UDP_STREAM does not pace: each process sends as fast as its sendto() returns. NetPerf's
        // UDP_STREAM is paced (rateGbps, 1 by default), which capped 8 KiB datagrams at 1 Gbit/s; offered at the
        // NIC's rate (cluster.nic's default, 10 Gbit/s) the sender's core is what limits it, as in netperf.
        string rate = t.Profile == "UDP_STREAM" ? string.Create(CultureInfo.InvariantCulture, $"\n    rateGbps: {new ClusterSpec().NicGigabits}") : "";
        string yaml = string.Create(CultureInfo.InvariantCulture, $"""
            name: k8s-netperf
            seed: {o.Seed}
            duration: {o.Window.TotalMicroseconds}us
            warmup: {o.WarmUp.TotalMicroseconds}us
            replications: {t.Samples}
            cluster: {"{"} nodes: {o.Nodes}, cni: {o.Cni}, kubeProxy: {o.KubeProxy} {"}"}
            workloads:
              - name: k8s-netperf
                test: {t.Profile}
                request: {t.MessageSize}
                response: {t.MessageSize}
                clients: {clients}{rate}
                paths: [{path}]
            """);
        var scenario = ScenarioReader.Parse(yaml, file);
        WorkloadProbe.Check(scenario, new RunOptions { Parallelism = o.Parallelism });
        var outcome = ScenarioRunner.Run(scenario, new RunOptions { Parallelism = o.Parallelism });
        var samples = outcome.Results.OrderBy(r => r.Unit.Replication).ToList();
        bool stream = t.Profile.Contains("STREAM", StringComparison.Ordinal);
        double[] throughput = [.. samples.Select(r => stream ? r.Report.GoodputBitsPerSecond / 1e6 : r.Report.TransactionsPerSecond)];
        var (low, high) = Confidence(throughput);
        return new K8sNetperfRow
        {
            Profile = t.Profile,
            SameNode = o.Local,
            HostNetwork = hostNet,
            Service = t.Service,
            ExternalServer = o.ServerIp is not null,
            Duration = t.Duration,
            Parallelism = t.Parallelism,
            Samples = t.Samples,
            MessageSize = t.MessageSize,
            Burst = t.Burst,
            Metric = t.Metric,
            // netperf's THROUGHPUT: 10^6 bits/s of payload for a stream, transactions per second otherwise.
            Throughput = throughput,
            ConfidenceLow = low,
            ConfidenceHigh = high,
            // netperf's P99_LATENCY in usec: of each transaction; a stream's sends are not timed here (0).
            Latency99 = [.. samples.Select(r => r.Latency.Count > 0 ? r.Report.P99.TotalMicroseconds : 0)],
            Retransmits = [.. samples.Select(r => (double)(r.Report.Tcp?.RetransmittedSegments ?? 0))],
            // netperf's UDP_STREAM loss: datagrams sent and not received, in percent of those sent.
            LossPercent = [.. samples.Select(r => t.Profile == "UDP_STREAM" && r.Lost > 0 ? 100.0 * r.Lost / (r.Lost + (double)r.BytesDelivered / t.MessageSize) : 0)],
            ClientNode = "node1",
            ServerNode = path is "pod-same-node" or "node-local" ? "node1" : path == "egress" ? "" : "node2",
            Nodes = o.Nodes,
            Cni = o.Cni,
            Mtu = scenario.Cluster.Mtu,
        };
    }
}
