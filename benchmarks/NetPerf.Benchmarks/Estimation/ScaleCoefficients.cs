using System.Diagnostics;
using System.Text;
using NetPerf.Engine.Time;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Benchmarks.Estimation;

/// <summary>
/// Measures the coefficients of the scale model (NetPerf.Scenarios.Estimation.ScaleModel): builds clusters of
/// several sizes from scenario text and takes the live heap (<see cref="GC.GetTotalMemory(bool)"/> after a full
/// collection, the build still referenced) and the build's wall time; differences between sizes give bytes and
/// nanoseconds per node, per node pair (routes towards every other node), per pod, per Service and per
/// endpoint, shared and per node, for each CNI plugin and kube-proxy mode; then each test's events and heap
/// growth per simulated second on pod-cross-node. Each figure is the median of three builds.
/// <code>dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- coefficients</code>
/// </summary>
public static class ScaleCoefficients
{
    /// <param name="onlyMode">A kube-proxy mode: only its Service and endpoint rows (after a change to that mode's build).</param>
    public static void Run(TextWriter output, string? onlyMode = null)
    {
        output.WriteLine("# bytes and ns per unit (live heap after a full GC; median of 3)");
        foreach (var kind in onlyMode is null ? NetPerf.Kubernetes.Cni.CniPlugins.All : [])
        {
            string cni = kind.Name;
            // M(N) = a + b N + c N (N - 1): three sizes give the three unknowns.
            int[] sizes = [64, 128, 256];
            var m = sizes.Select(n => Build(Cluster(n, cni, "iptables"))).ToArray();
            var (nodeBytes, pairBytes) = Fit(sizes, m.Select(x => x.Bytes).ToArray());
            var (nodeNs, pairNs) = Fit(sizes, m.Select(x => x.Ns).ToArray());
            output.WriteLine($"node       {cni,-16} {nodeBytes,10:F0} B {nodeNs,10:F0} ns");
            output.WriteLine($"node-pair  {cni,-16} {pairBytes,10:F0} B {pairNs,10:F0} ns");

            var none = Build(Cluster(8, cni, "iptables"));
            int perNode = Math.Min(50, kind.MaxPodsPerNode - 4);
            var pods = Build(Cluster(8, cni, "iptables", extra: Deployment("p", 8 * perNode, "p")));
            output.WriteLine($"pod        {cni,-16} {(pods.Bytes - none.Bytes) / (8 * perNode),10:F0} B {(pods.Ns - none.Ns) / (8 * perNode),10:F0} ns");
        }

        foreach (var mode in NetPerf.Kubernetes.Services.KubeProxyMode.Names.Where(m => onlyMode is null || m == onlyMode))
        {
            // Services of one endpoint each: S in {0, 1000} on N in {8, 32} (flannel-vxlan: a /24 per node holds the pods).
            // The endpoints are 100 pods, 10 Services each (1,000 pods would be 125 a node, past the kubelet's 40 on 4 cores).
            const int S = 1000;
            string deployments = string.Concat(Enumerable.Range(0, 100).Select(i => Deployment($"d{i}", 1, $"d{i}", node: (i % 8) + 1)));
            string services = string.Concat(Enumerable.Range(0, S).Select(i => $"  - {{ name: s{i}, selector: {{ app: d{i % 100} }}, port: 80 }}\n"));
            var s8 = Delta(8, mode, deployments, services, S);
            var s32 = Delta(32, mode, deployments, services, S);
            var (shared, perNode) = Split(s8, s32);
            output.WriteLine($"service    {mode,-16} {shared.Bytes,10:F0} B {shared.Ns,10:F0} ns shared; {perNode.Bytes,8:F1} B {perNode.Ns,8:F1} ns per node");

            // A NodePort beyond its ClusterIP: 200 Services of type NodePort against 200 ClusterIP ones (IPVS: a
            // virtual service per node address on every node).
            const int P = 200;
            string clusterIps = string.Concat(Enumerable.Range(0, P).Select(i => $"  - {{ name: s{i}, selector: {{ app: d{i % 100} }}, port: 80 }}\n"));
            string nodePorts = string.Concat(Enumerable.Range(0, P).Select(i => $"  - {{ name: s{i}, type: NodePort, selector: {{ app: d{i % 100} }}, port: 80 }}\n"));
            var (npShared, npPerNode) = Split(Between(8, mode, deployments, clusterIps, nodePorts, P), Between(32, mode, deployments, clusterIps, nodePorts, P));
            output.WriteLine($"nodeport   {mode,-16} {npShared.Bytes,10:F0} B {npShared.Ns,10:F0} ns shared; {npPerNode.Bytes,8:F1} B {npPerNode.Ns,8:F1} ns per node");

            // Endpoints: 50 Services of 200 endpoints against 50 of 1 (200 pods: 25 a node of 8, under the kubelet's 40).
            const int E = 50 * 199;
            string pool = Deployment("big", 200, "big") + Deployment("one", 1, "one");
            string many = string.Concat(Enumerable.Range(0, 50).Select(i => $"  - {{ name: b{i}, selector: {{ app: big }}, port: 80 }}\n"));
            string few = string.Concat(Enumerable.Range(0, 50).Select(i => $"  - {{ name: b{i}, selector: {{ app: one }}, port: 80 }}\n"));
            var e8 = Between(8, mode, pool, few, many, E);
            var e32 = Between(32, mode, pool, few, many, E);
            var (eShared, ePerNode) = Split(e8, e32);
            output.WriteLine($"endpoint   {mode,-16} {eShared.Bytes,10:F0} B {eShared.Ns,10:F0} ns shared; {ePerNode.Bytes,8:F1} B {ePerNode.Ns,8:F1} ns per node");
        }

        output.WriteLine("# per test on pod-cross-node (calico-bgp, 2 nodes): events and heap growth per simulated second between 5 ms and 15 ms, engine rate");
        foreach (var test in onlyMode is null ? Tests.Names : [])
        {
            Simulate(test, SimTime.FromMilliseconds(1)); // warm: JIT
            var (shortEvents, shortBytes, _) = Simulate(test, SimTime.FromMilliseconds(5));
            var (longEvents, longBytes, wall) = Simulate(test, SimTime.FromMilliseconds(15));
            double seconds = 0.010;
            output.WriteLine($"test       {test,-16} {(longEvents - shortEvents) / seconds,12:F0} events/s {(longBytes - shortBytes) / seconds,12:F0} B/s {longEvents / wall,12:F0} events per wall s");
        }
    }

    /// <summary>One simulation of a test for <paramref name="duration"/> (after 1 ms): events, heap growth while it ran, wall seconds.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (long Events, long Bytes, double Wall) Simulate(string test, SimTime duration)
    {
        var scenario = ScenarioReader.Parse(
            $"name: c\ncluster: {{ cni: calico-bgp }}\nworkloads:\n  - {{ name: w, test: {test}, paths: [pod-cross-node] }}\n", "coefficients.yaml");
        var unit = ScenarioRunner.Units(scenario, new RunOptions())[0];
        Held.Add(new ClusterBuild(scenario, unit.Variant, 1));
        long before = Live();
        var clock = Stopwatch.StartNew();
        var result = PathRun.Run(Held[0], unit, SimTime.FromMilliseconds(1), duration, keepSamples: false);
        double wall = clock.Elapsed.TotalSeconds;
        long bytes = Live() - before;
        Held.Clear();
        return (result.Events, bytes, wall);
    }

    private static string Cluster(int nodes, string cni, string mode, string extra = "", string services = "") =>
        $"name: c\ncluster: {{ nodes: {nodes}, cni: {cni}, kubeProxy: {mode} }}\nworkloads:\n  - {{ name: w, test: TCP_RR, paths: [pod-cross-node] }}\n" +
        (extra.Length > 0 ? "deployments:\n" + extra : "") + (services.Length > 0 ? "services:\n" + services : "");

    private static string Deployment(string name, int replicas, string app, int? node = null) =>
        $"  - {{ name: {name}, replicas: {replicas}, labels: {{ app: {app} }}{(node is { } n ? $", nodes: [{n}]" : "")} }}\n";

    private static (double Bytes, double Ns) Delta(int nodes, string mode, string deployments, string services, int units)
    {
        var without = Build(Cluster(nodes, "flannel-vxlan", mode, deployments));
        var with = Build(Cluster(nodes, "flannel-vxlan", mode, deployments, services));
        return ((with.Bytes - without.Bytes) / units, (with.Ns - without.Ns) / units);
    }

    private static (double Bytes, double Ns) Between(int nodes, string mode, string deployments, string few, string many, int units)
    {
        var a = Build(Cluster(nodes, "flannel-vxlan", mode, deployments, few));
        var b = Build(Cluster(nodes, "flannel-vxlan", mode, deployments, many));
        return ((b.Bytes - a.Bytes) / units, (b.Ns - a.Ns) / units);
    }

    /// <summary>Per unit at 8 and at 32 nodes: the part that grows with nodes, and the part that does not.</summary>
    private static ((double Bytes, double Ns) Shared, (double Bytes, double Ns) PerNode) Split((double Bytes, double Ns) at8, (double Bytes, double Ns) at32)
    {
        var perNode = ((at32.Bytes - at8.Bytes) / 24, (at32.Ns - at8.Ns) / 24);
        return ((at8.Bytes - (8 * perNode.Item1), at8.Ns - (8 * perNode.Item2)), perNode);
    }

    /// <summary>b and c of M(N) = a + b N + c N (N - 1) through three points.</summary>
    private static (double PerNode, double PerPair) Fit(int[] n, double[] m)
    {
        var a = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(3, 3, (i, j) => j switch { 0 => 1, 1 => n[i], _ => (double)n[i] * (n[i] - 1) });
        var x = a.Solve(MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(m));
        return (x[1], x[2]);
    }

    /// <summary>Builds kept referenced while the heap is measured.</summary>
    private static readonly List<ClusterBuild> Held = [];

    private static (double Bytes, double Ns) Build(string yaml)
    {
        Once(yaml); // warm: the first build of a shape pays for JIT
        var bytes = new List<double>();
        var ns = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            var (b, t) = Once(yaml);
            bytes.Add(b);
            ns.Add(t);
        }

        return (Median(bytes), Median(ns));
    }

    /// <summary>
    /// One build, measured. A method of its own: unoptimised (tier-0) code keeps a method's temporaries alive
    /// until it returns, which would leave the previous build on the heap inside a caller's loop.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (long Bytes, double Ns) Once(string yaml)
    {
        var scenario = ScenarioReader.Parse(yaml, "coefficients.yaml");
        long before = Live();
        var clock = Stopwatch.StartNew();
        Held.Add(new ClusterBuild(scenario, scenario.Variants()[0], 1));
        double ns = clock.Elapsed.TotalNanoseconds;
        long bytes = Live() - before;
        Held.Clear();
        return (bytes, ns);
    }

    /// <summary>Bytes on the heap that something still references: two full compacting collections with finalizers between.</summary>
    private static long Live()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetGCMemoryInfo(GCKind.FullBlocking).PromotedBytes;
    }

    private static double Median(List<double> v)
    {
        v.Sort();
        return v[v.Count / 2];
    }
}
