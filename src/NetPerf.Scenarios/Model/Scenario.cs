using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;

namespace NetPerf.Scenarios.Model;

/// <summary>A validated scenario: what to build, what to run on it, for how long, and what to compare.</summary>
public sealed record Scenario
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";

    /// <summary>The file it was read from, and its text as read (saved beside the results).</summary>
    public string SourceFile { get; init; } = "";
    public string SourceText { get; init; } = "";

    public ulong Seed { get; init; } = 1;
    public SimTime Duration { get; init; } = SimTime.FromMilliseconds(100);
    public SimTime WarmUp { get; init; } = SimTime.FromMilliseconds(10);

    /// <summary>The width of one row of timeseries.csv: results per this much of the measured window.</summary>
    public SimTime Interval { get; init; } = SimTime.FromMilliseconds(10);

    /// <summary>
    /// Every workload at once, in one simulation per variant and replication: a traffic matrix loading the
    /// cluster together, each workload measured apart (its own flow's CPU, its own latency). False: each workload
    /// and path is a simulation of its own, on an otherwise idle cluster.
    /// </summary>
    public bool Together { get; init; }
    public int Replications { get; init; } = 1;
    public ClusterSpec Cluster { get; init; } = new();

    /// <summary>A cost table file replacing the shipped one (relative paths from the scenario's folder).</summary>
    /// <summary>The shipped cost profile to start from (<see cref="Network.Cpu.CostTable.Profiles"/>); null: the fabric's own (kind on kind, physical otherwise).</summary>
    public string? CostProfile { get; init; }

    public string? CostFile { get; init; }

    /// <summary>A table given in memory (calibrate's fitted tables), used instead of the profile and the file; <see cref="Costs"/> still override it.</summary>
    public CostTable? CostTable { get; init; }

    /// <summary>Stages whose cost the scenario sets, over the table.</summary>
    public IReadOnlyDictionary<KernelStage, StageCost> Costs { get; init; } = new Dictionary<KernelStage, StageCost>();

    public IReadOnlyList<DeploymentSpec> Deployments { get; init; } = [];
    public IReadOnlyList<ServiceSpec> Services { get; init; } = [];
    public IReadOnlyList<NetworkPolicySpec> NetworkPolicies { get; init; } = [];
    public required IReadOnlyList<WorkloadSpec> Workloads { get; init; }

    /// <summary>The manifests key as written (paths or globs relative to the scenario's folder), and the objects read from them and from --manifests.</summary>
    public IReadOnlyList<string> ManifestPatterns { get; init; } = [];

    public Manifests.ManifestSet Manifests { get; init; } = Scenarios.Manifests.ManifestSet.Empty;

    /// <summary>The manifests mapped onto the cluster model (pods placed, Services resolved, policies), built into every variant's cluster.</summary>
    public Manifests.ManifestCluster Objects { get; init; } = Scenarios.Manifests.ManifestCluster.Empty;
    public CompareSpec Compare { get; init; } = new();

    /// <summary>Changes to the cluster at given times of the measured window, in time order (ties in the file's order).</summary>
    public IReadOnlyList<TimelineEvent> Timeline { get; init; } = [];

    /// <summary>BGP convergence experiments, when the scenario asks for them.</summary>
    public BgpSpec? Bgp { get; init; }

    /// <summary>The variant ratios are taken against (a variant's name); the first variant when not given.</summary>
    public string? Baseline { get; init; }

    /// <summary>A path the file names (its costFile), taken from the file's folder unless absolute.</summary>
    public string ResolvePath(string path) =>
        Path.IsPathRooted(path) || SourceFile.Length == 0 ? path : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(SourceFile)) ?? ".", path);

    /// <summary>Every combination of the compare block, in the file's order (first axis slowest).</summary>
    public IReadOnlyList<Variant> Variants()
    {
        IReadOnlyList<Kubernetes.Cni.CniPluginKind> cnis = Compare.Cni.Count > 0 ? Compare.Cni : [Cluster.Cni];
        IReadOnlyList<Kubernetes.Services.KubeProxyMode> proxies = Compare.KubeProxy.Count > 0 ? Compare.KubeProxy : [Cluster.KubeProxy];
        IReadOnlyList<int> services = Compare.Services.Count > 0 ? Compare.Services : [0];
        IReadOnlyList<int?> sizes = Compare.MessageBytes.Count > 0 ? Compare.MessageBytes.Select(b => (int?)b).ToList() : [null];
        IReadOnlyList<int?> tables = Compare.ConntrackMax.Count > 0 ? Compare.ConntrackMax.Select(b => (int?)b).ToList() : [null];
        IReadOnlyList<Engine.Time.SimTime?> preStops = Compare.PreStopSleep.Count > 0 ? Compare.PreStopSleep.Select(t => (Engine.Time.SimTime?)t).ToList() : [null];
        IReadOnlyList<KernelLine?> kernels = Compare.Kernel.Count > 0 ? [.. Compare.Kernel] : [null];
        IReadOnlyList<Kubernetes.Dns.ResolverQueries?> resolvers = Compare.Resolver.Count > 0 ? Compare.Resolver.Select(q => (Kubernetes.Dns.ResolverQueries?)q).ToList() : [null];
        IReadOnlyList<PodMtuSetting?> podMtus = Compare.PodMtu.Count > 0 ? Compare.PodMtu.Select(m => (PodMtuSetting?)m).ToList() : [null];
        IReadOnlyList<IcmpFragmentationNeeded?> icmps = Compare.IcmpFragmentationNeeded.Count > 0 ? Compare.IcmpFragmentationNeeded.Select(i => (IcmpFragmentationNeeded?)i).ToList() : [null];
        IReadOnlyList<StaleUdpConntrack?> staleUdps = Compare.StaleUdpConntrack.Count > 0 ? Compare.StaleUdpConntrack.Select(c => (StaleUdpConntrack?)c).ToList() : [null];
        IReadOnlyList<Network.Netfilter.NatPortSelection?> masqs = Compare.MasqueradePorts.Count > 0 ? Compare.MasqueradePorts.Select(c => (Network.Netfilter.NatPortSelection?)c).ToList() : [null];
        var variants = new List<Variant>();
        foreach (var cni in cnis)
        {
            foreach (var proxy in proxies)
            {
                foreach (var svc in services)
                {
                    foreach (var size in sizes)
                    {
                        foreach (var table in tables)
                        {
                            foreach (var (preStop, kernel, resolver, podMtu, icmp, staleUdp, masq) in from p in preStops from k in kernels from q in resolvers from m in podMtus from i in icmps from u in staleUdps from x in masqs select (p, k, q, m, i, u, x))
                            {
                                var parts = new List<string>();
                                if (Compare.Cni.Count > 0 || Compare.IsEmpty) parts.Add(cni.Name);
                                if (Compare.KubeProxy.Count > 0) parts.Add(proxy.Name);
                                if (Compare.Services.Count > 0) parts.Add($"{svc}svc");
                                if (size is { } b) parts.Add($"{b}B");
                                if (table is { } t) parts.Add($"ct{t}");
                                if (preStop is { } p) parts.Add($"prestop{p.Picoseconds / 1_000_000_000}ms");
                                if (kernel is { } k) parts.Add($"kernel{k.Name}");
                                if (resolver is { } q) parts.Add(Choices.Name(q));
                                if (podMtu is { } m) parts.Add($"podmtu-{m.Name}");
                                if (icmp is { } i) parts.Add($"icmp-{Choices.IcmpFragmentationNeeded[(int)i]}");
                                if (staleUdp is { } u) parts.Add($"staleudp-{Choices.StaleUdpConntrack[(int)u]}");
                                if (masq is { } x) parts.Add($"masq-{Choices.MasqueradePorts[(int)x]}");
                                variants.Add(new Variant(string.Join("/", parts), cni, proxy, svc, size)
                                {
                                    ConntrackMax = table, PreStopSleep = preStop, Kernel = kernel, Resolver = resolver, PodMtu = podMtu, IcmpFragmentationNeeded = icmp,
                                    StaleUdpConntrack = staleUdp, MasqueradePorts = masq,
                                });
                            }
                        }
                    }
                }
            }
        }

        return variants;
    }
}
