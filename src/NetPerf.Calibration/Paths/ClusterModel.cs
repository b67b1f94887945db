using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Calibration.Paths;

/// <summary>What the simulator predicts for one path of the kind cluster: latency percentiles and kernel CPU per transaction, by stage.</summary>
public sealed record ModelFigures(double P50Ns, double P99Ns, double MeanNs, double KernelCpuNs, IReadOnlyDictionary<KernelStage, double> CpuByStageNs)
{
    /// <summary>A stream's goodput (Gbit/s); NaN for request/response.</summary>
    public double GoodputGbps { get; init; } = double.NaN;
}

/// <summary>
/// The kind cluster of <see cref="KindCluster"/> in the simulator: the same two nodes on one host core, the same
/// plugin and pods, the probe's transaction with the probe's own user time as the server's fixed work (on one
/// core it delays the transaction and occupies the core, wherever in the exchange it runs).
/// </summary>
public static class ClusterModel
{
    public static ModelFigures Run(CalibrationPath path, CostTable costs, int bytes, double probeUserNs, SimTime duration, ulong seed, Network.Netfilter.IptablesBackend backend, bool tcpInternalPacing = false)
    {
        var scenario = new Scenario
        {
            Name = "calibrate",
            Seed = seed,
            Duration = duration,
            WarmUp = SimTime.FromMilliseconds(2),
            CostTable = costs,
            Cluster = new ClusterSpec
            {
                Nodes = 2,
                CoresPerNode = 1,
                Fabric = Kubernetes.Cluster.ClusterFabric.Kind,
                Cni = Kubernetes.Cni.CniPlugins.Get(path.Cni ?? "flannel-vxlan"),
                KubeProxy = Kubernetes.Services.KubeProxyMode.Iptables,
                Iptables = backend, // as the lab's kube-proxy rules were written
                TcpInternalPacing = tcpInternalPacing, // as the machine's TCP ran (cluster.tcpPacing of the calibrated scenario)
            },
            Workloads =
            [
                new WorkloadSpec("probe", Tests.Get(path.Test), [path.Path ?? CommunicationPath.Localhost])
                {
                    RequestBytes = bytes,
                    ResponseBytes = bytes,
                    ServiceTime = SimTime.FromNanoseconds((long)Math.Round(probeUserNs)),
                },
            ],
        };
        var outcome = ScenarioRunner.Run(scenario, new RunOptions { Parallelism = 1 });
        var result = outcome.Results.Single();
        var report = result.Report;
        // Per transaction; for a stream, per KiB of goodput (the stream probe's transaction).
        double units = path.Probe == Probe.ProbeKind.TcpStream ? result.BytesDelivered / 1024.0 : report.Transactions;
        var byStage = new Dictionary<KernelStage, double>();
        foreach (var host in report.Cpu)
        {
            foreach (var (stage, ps) in host.PicosecondsByStage)
            {
                byStage[stage] = byStage.GetValueOrDefault(stage) + (ps / 1000.0 / units);
            }
        }

        if (path.Probe == Probe.ProbeKind.TcpStream)
        {
            double kib = units;
            var perKib = byStage;
            double wallPerKib = report.Measured.Picoseconds / 1000.0 / kib;
            return new ModelFigures(wallPerKib, double.NaN, wallPerKib, perKib.Values.Sum(), perKib) { GoodputGbps = report.GoodputBitsPerSecond / 1e9 };
        }

        double mean = report.MeanMicroseconds is { } m ? m.Mean * 1000 : double.NaN;
        return new ModelFigures(report.P50.Picoseconds / 1000.0, report.P99.Picoseconds / 1000.0, mean, report.CpuNanosecondsPerTransaction, byStage);
    }
}
