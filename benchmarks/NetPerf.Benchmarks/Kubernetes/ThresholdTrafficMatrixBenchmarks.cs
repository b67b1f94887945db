using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Workloads;
using NetPerf.Workloads.Tcp;

namespace NetPerf.Benchmarks.Kubernetes;

/// <summary>
/// A cluster-wide traffic matrix on Kubernetes' threshold cluster (<see cref="ThresholdClusterBuildBenchmarks"/>'s
/// pods and Services, here on 20 racks of 250 nodes and 4 spines, kube-proxy in iptables mode): 300 TCP_RR flows
/// from a pod to a pod on another rack (seeded pairs, each its own port) and 100 to a ClusterIP Service (Services
/// 0-99 (60 at 500 nodes), each on its own group of 250 endpoint pods, every endpoint serving), one closed-loop client each, 64 B
/// each way, server work 10 us. Each iteration builds the cluster (setup, not timed) and simulates
/// <see cref="Horizon"/> from the first SYN: the connections' handshakes, their first walk of KUBE-SERVICES and
/// the steady exchange. Issue 14's target: 10 ms simulated in under a minute on a 2-core machine.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.ColdStart, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class ThresholdTrafficMatrixBenchmarks
{
    public const int PodFlows = 300;
    public const int ServiceFlows = 100;
    public static readonly SimTime Horizon = SimTime.FromMilliseconds(10);

    private Matrix _matrix = null!;

    [IterationSetup(Target = nameof(TrafficMatrix5000Nodes10ms))]
    public void Build5000() => _matrix = Matrix.Build(5000, racks: 20);

    [IterationSetup(Target = nameof(TrafficMatrix500Nodes10ms))]
    public void Build500() => _matrix = Matrix.Build(500, racks: 2);

    [Benchmark]
    public long TrafficMatrix5000Nodes10ms() => _matrix.Run(Horizon);

    /// <summary>A tenth of the cluster on 2 racks, for a dry run on a shared machine.</summary>
    [Benchmark]
    public long TrafficMatrix500Nodes10ms() => _matrix.Run(Horizon);

    /// <summary>
    /// <c>dotnet run -c Release --project benchmarks/NetPerf.Benchmarks -- threshold-matrix [nodes] [racks]</c>
    /// (default 5,000 nodes on 20 racks): the build's and the run's wall time, the events and transactions.
    /// </summary>
    public static void Measure(TextWriter output, string[] args)
    {
        int nodes = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5000;
        int racks = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : Math.Max(2, nodes / 250);
        var watch = Stopwatch.StartNew();
        var matrix = Matrix.Build(nodes, racks);
        var built = watch.Elapsed;
        watch.Restart();
        long transactions = matrix.Run(Horizon);
        var ran = watch.Elapsed;
        var sim = matrix.Cluster.Bed.Sim;
        output.WriteLine($"{nodes} nodes on {racks} racks, {PodFlows} pod-to-pod flows across racks + {matrix.Flows - PodFlows} to ClusterIPs: " +
            $"built in {built.TotalSeconds:F1} s; {Horizon.TotalSeconds * 1e3:F0} ms simulated in {ran.TotalSeconds:F2} s wall, " +
            $"{sim.ExecutedEvents:N0} events ({sim.ExecutedEvents / ran.TotalSeconds / 1e6:F2} M/s), {transactions:N0} transactions, " +
            $"{matrix.CrossRackShare:P0} of pod flows' pairs on different racks; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
    }

    private sealed class Matrix(KubernetesCluster cluster, IReadOnlyList<TcpRequestResponse> flows, double crossRackShare)
    {
        public KubernetesCluster Cluster { get; } = cluster;
        public double CrossRackShare { get; } = crossRackShare;
        public int Flows => flows.Count;

        public static Matrix Build(int nodes, int racks)
        {
            var cluster = ThresholdClusterBuildBenchmarks.BuildCluster(nodes, KubeProxyMode.Iptables, racks);
            var pods = cluster.Pods.ToArray();
            var random = new Random(20261204); // System.Random with a seed: the same pairs on every run
            var flows = new List<TcpRequestResponse>();
            int crossRack = 0;
            for (int f = 0; f < PodFlows; f++)
            {
                Pod client, server;
                do
                {
                    client = pods[random.Next(pods.Length)];
                    server = pods[random.Next(pods.Length)];
                }
                while (client.Node.Rack == server.Node.Rack && racks > 1);
                crossRack += client.Node.Rack != server.Node.Rack ? 1 : 0;
                var endpoints = new Endpoints(client.Namespace, server.Namespace, server.Ip, (ushort)(20000 + f), ClientCore: 0, ServerCore: 1);
                flows.Add(Flow($"pod-{f}", endpoints, flows.Count + 1));
            }

            // One flow per Service on a group of its own, so no pod serves two (a tenth of the cluster has 60 groups).
            int serviceFlows = Math.Min(ServiceFlows, pods.Length / 250);
            for (int s = 0; s < serviceFlows; s++)
            {
                // Service s selects group s (ThresholdClusterBuildBenchmarks: Service i, group i mod groups): 250 pods.
                var backends = cluster.PodsWithLabel("app", $"app-{s}");
                var client = pods[random.Next(pods.Length)];
                var endpoints = new Endpoints(client.Namespace, backends[0].Namespace, ThresholdClusterBuildBenchmarks.ServiceIp(s), ThresholdClusterBuildBenchmarks.ServicePort, ClientCore: 0, ServerCore: 1)
                {
                    ServerListenPort = ThresholdClusterBuildBenchmarks.ServiceTargetPort,
                    Replicas = [.. backends.Skip(1).Select(p => new ServerReplica(p.Namespace, p.Ip))],
                };
                flows.Add(Flow($"svc-{s}", endpoints, flows.Count + 1));
            }

            return new Matrix(cluster, flows, crossRack / (double)PodFlows);
        }

        private static TcpRequestResponse Flow(string name, Endpoints endpoints, int flowId) =>
            new(name, endpoints, RequestPattern.ClosedLoop, clients: 1, request: 64, response: 64,
                ServiceTime.Fixed(SimTime.FromMicroseconds(10)), flowId: flowId);

        /// <summary>Starts every flow now and simulates <paramref name="horizon"/>; the transactions completed.</summary>
        public long Run(SimTime horizon)
        {
            foreach (var flow in flows)
            {
                flow.Start();
                flow.Measurement.StartMeasuring();
            }

            var sim = Cluster.Bed.Sim;
            sim.RunUntil(sim.Now + horizon);
            return flows.Sum(f => f.Measurement.Transactions);
        }
    }
}
