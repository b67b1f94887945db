using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;
using NetPerf.Workloads;
using NetPerf.Workloads.Tcp;

namespace NetPerf.Calibration.Paths;

/// <summary>
/// A <see cref="Testbed"/> in the simulator with a TCP probe across it, as <see cref="TestbedLab"/> runs npprobe:
/// a connection per transaction (TCP_CRR) or a bulk stream, on the lab's one core, over the same devices, addresses
/// and rules as <see cref="TestbedModel"/>'s UDP exchange. The figures are per transaction (per KiB for a stream).
/// </summary>
public static class TestbedTcpModel
{
    private const ushort Port = 5201;

    public static ModelFigures Run(Testbed bed, Probe.ProbeKind probe, CostTable costs, int bytes, double probeUserNs, SimTime duration, ulong seed, Network.Netfilter.IptablesBackend backend, bool tcpInternalPacing = false)
    {
        if (probe is not (Probe.ProbeKind.TcpCrr or Probe.ProbeKind.TcpStream or Probe.ProbeKind.TcpRr))
        {
            throw new ArgumentOutOfRangeException(nameof(probe), probe, "the TCP testbed model runs TCP probes");
        }

        var sim = new Network.Topology.Testbed(new Engine.Scheduling.Simulator(), new Network.Packets.PacketPool(), seed);
        var host = new Host(sim, "lab", costs, 1) { IptablesBackend = backend };
        var (a, _, b, bind, to) = TestbedModel.Build(host, bed);
        var tcp = tcpInternalPacing ? TcpOptions.Linux with { InternalPacing = true } : TcpOptions.Linux;
        var endpoints = new Endpoints(a, b, Ipv4Address.Parse(to), Port) { ServerBindAddress = Ipv4Address.Parse(bind) };
        IWorkload workload = probe == Probe.ProbeKind.TcpStream
            ? new TcpStream("probe", endpoints, options: tcp, flowId: 1)
            : new TcpRequestResponse("probe", endpoints, probe == Probe.ProbeKind.TcpCrr ? RequestPattern.ConnectionPerRequest : RequestPattern.ClosedLoop,
                1, bytes, bytes, ServiceTime.Fixed(SimTime.FromNanoseconds((long)Math.Round(probeUserNs))), options: tcp, flowId: 1);
        workload.Start();
        var warmUp = SimTime.FromMilliseconds(2);
        sim.Sim.RunUntil(warmUp);
        workload.Measurement.StartMeasuring();
        long[] before = new long[CostTable.Stages];
        for (int s = 0; s < CostTable.Stages; s++)
        {
            before[s] = host.CpuPicosecondsOf((KernelStage)s);
        }

        sim.Sim.RunUntil(warmUp + duration);
        var m = workload.Measurement;
        double units = probe == Probe.ProbeKind.TcpStream ? m.BytesDelivered / 1024.0 : m.Transactions;
        if (units <= 0)
        {
            throw new InvalidOperationException($"the {bed} testbed's TCP model completed nothing in {duration}");
        }

        var byStage = new Dictionary<KernelStage, double>();
        foreach (var stage in Enum.GetValues<KernelStage>())
        {
            double ns = (host.CpuPicosecondsOf(stage) - before[(int)stage]) / 1000.0 / units;
            if (ns > 0)
            {
                byStage[stage] = ns;
            }
        }

        if (probe == Probe.ProbeKind.TcpStream)
        {
            double wallPerKib = duration.Picoseconds / 1000.0 / units;
            return new ModelFigures(wallPerKib, double.NaN, wallPerKib, byStage.Values.Sum(), byStage) { GoodputGbps = m.BytesDelivered * 8.0 / duration.TotalSeconds / 1e9 };
        }

        return new ModelFigures(m.Latency.Percentile(50).Picoseconds / 1000.0, m.Latency.Percentile(99).Picoseconds / 1000.0, m.Latency.Mean.Picoseconds / 1000.0, byStage.Values.Sum(), byStage);
    }
}
