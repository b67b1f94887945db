using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Workloads;

/// <summary>
/// Runs workloads together on one simulation: start them all, let them warm up (connections open, windows
/// grow, queues fill), then measure for the duration. CPU and drops are counted as differences between the
/// end and the end of the warm-up, so the warm-up's work is not charged to the measured requests.
/// </summary>
public sealed class WorkloadRunner(Simulator sim, IReadOnlyList<Host> hosts)
{
    /// <param name="windows">
    /// For each workload, when it starts and stops sending, counted from the end of the warm-up (null: it starts
    /// with the others, before the warm-up, and runs to the end); a workload that starts late has no warm-up of its
    /// own, so its first connections are measured.
    /// </param>
    public IReadOnlyList<WorkloadReport> Run(IReadOnlyList<IWorkload> workloads, SimTime warmUp, SimTime duration, IReadOnlyList<SendingWindow>? windows = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(warmUp, SimTime.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, SimTime.Zero);
        if (workloads.Count > 1 && workloads.GroupBy(w => w.FlowId).FirstOrDefault(g => g.Key == 0 || g.Count() > 1) is { } clash)
        {
            throw new ArgumentException(
                $"workloads run together need distinct flow ids above 0 to keep their CPU apart; " +
                $"{string.Join(", ", clash.Select(w => w.Name))} have flow id {clash.Key}.", nameof(workloads));
        }

        var measuredFrom = sim.Now + warmUp;
        for (int k = 0; k < workloads.Count; k++)
        {
            var w = workloads[k];
            var window = windows?[k] ?? SendingWindow.Whole;
            // A workload's set-up (connect(), its first send) is its client host's work, and so are a late start and a stop.
            sim.ActAs(w.Endpoints.Client.Host.Entity);
            if (window.Start is { } late)
            {
                sim.Schedule(measuredFrom + late, new Switch(w), Switch.StartKind);
            }
            else
            {
                w.Start();
            }

            if (window.Stop is { } stop)
            {
                sim.Schedule(measuredFrom + stop, new Switch(w), Switch.StopKind);
            }
        }

        sim.ActAs(0);

        sim.RunUntil(sim.Now + warmUp);
        var start = sim.Now;
        foreach (var w in workloads)
        {
            w.Measurement.StartMeasuring();
        }

        var before = workloads.Select(w => Snapshot(w.FlowId)).ToList();
        if (workloads.Select(w => w.Measurement.Series).OfType<IntervalSeries>().FirstOrDefault() is { } series)
        {
            // Stop at each interval's end to read the hosts' drop counters; stopping changes no event's order.
            int reasons = Enum.GetValues<DropReason>().Length;
            var last = Enum.GetValues<DropReason>().Select(r => hosts.Sum(h => h.Drops(r))).ToArray();
            string[] names = [.. hosts.Select(h => h.Name)];
            long[] lastCpu = [.. hosts.Select(BusyPicoseconds)];
            long intervals = (duration.Picoseconds + series.Interval.Picoseconds - 1) / series.Interval.Picoseconds;
            for (int i = 0; i < intervals; i++)
            {
                var end = SimTime.Min(start + duration, start + series.Interval * (i + 1));
                sim.RunUntil(end);
                var now = Enum.GetValues<DropReason>().Select(r => hosts.Sum(h => h.Drops(r))).ToArray();
                var delta = new long[reasons];
                for (int r = 0; r < reasons; r++)
                {
                    delta[r] = now[r] - last[r];
                }

                long[] nowCpu = [.. hosts.Select(BusyPicoseconds)];
                var cpu = new long[hosts.Count];
                for (int h = 0; h < cpu.Length; h++)
                {
                    cpu[h] = nowCpu[h] - lastCpu[h];
                }

                foreach (var w in workloads)
                {
                    w.Measurement.Series?.SetDrops(i, delta);
                    w.Measurement.Series?.SetCpu(i, names, cpu);
                }

                last = now;
                lastCpu = nowCpu;
            }
        }

        sim.RunUntil(start + duration);
        var measured = sim.Now - start;
        return workloads.Select((w, i) => Report(w, before[i], Snapshot(w.FlowId), measured)).ToList();
    }

    /// <summary>Starts or stops one workload at its time.</summary>
    private sealed class Switch(IWorkload workload) : IEventHandler
    {
        public const int StartKind = 0;
        public const int StopKind = 1;

        void IEventHandler.OnEvent(int kind, long arg)
        {
            if (kind == StartKind)
            {
                workload.Start();
            }
            else
            {
                workload.Stop();
            }
        }
    }

    /// <summary>A host's CPU so far: every kernel stage of every flow, and its applications' work.</summary>
    private static long BusyPicoseconds(Host h) => h.TotalCpuPicoseconds + h.ApplicationCpuPicoseconds;

    private List<(long[] Stages, long Application, long[] Drops, long Evictions, long BpfEvictions, long BpfGcDeletions)> Snapshot(int flowId) =>
        hosts.Select(h => (
            Enum.GetValues<KernelStage>().Select(s => h.CpuPicosecondsOfFlow(flowId, s)).ToArray(),
            h.ApplicationCpuPicoseconds,
            Enum.GetValues<DropReason>().Select(h.Drops).ToArray(),
            ConntrackEvictions(h),
            h.BpfLruEvictions(),
            h.BpfMapGcDeletions())).ToList();

    private static long ConntrackEvictions(Network.Topology.Host h)
    {
        var s = h.ConntrackStatistics();
        return s.EarlyDrops + s.GcEarlyDrops;
    }

    private WorkloadReport Report(IWorkload w, List<(long[] Stages, long Application, long[] Drops, long Evictions, long BpfEvictions, long BpfGcDeletions)> before,
        List<(long[] Stages, long Application, long[] Drops, long Evictions, long BpfEvictions, long BpfGcDeletions)> after, SimTime measured)
    {
        var m = w.Measurement;
        double seconds = measured.TotalSeconds;
        var cpu = hosts.Select((h, i) => new HostCpu(
            h.Name,
            Enum.GetValues<KernelStage>().Where(s => after[i].Stages[(int)s] != before[i].Stages[(int)s])
                .ToDictionary(s => s, s => after[i].Stages[(int)s] - before[i].Stages[(int)s]),
            after[i].Application - before[i].Application,
            Enum.GetValues<DropReason>().Where(r => after[i].Drops[(int)r] != before[i].Drops[(int)r])
                .ToDictionary(r => r, r => after[i].Drops[(int)r] - before[i].Drops[(int)r]))
        {
            ConntrackEvictions = after[i].Evictions - before[i].Evictions,
            BpfLruEvictions = after[i].BpfEvictions - before[i].BpfEvictions,
            BpfGcDeletions = after[i].BpfGcDeletions - before[i].BpfGcDeletions,
        }).ToList();
        bool any = m.Latency.Count > 0;
        return new WorkloadReport
        {
            Name = w.Name,
            Measured = measured,
            Transactions = m.Transactions,
            TransactionsPerSecond = m.Transactions / seconds,
            GoodputBitsPerSecond = m.BytesDelivered * 8 / seconds,
            ConnectionsPerSecond = m.ConnectionsCompleted / seconds,
            Lost = m.Lost,
            Late = m.Late,
            P50 = any ? m.Latency.Percentile(50) : SimTime.Zero,
            P90 = any ? m.Latency.Percentile(90) : SimTime.Zero,
            P99 = any ? m.Latency.Percentile(99) : SimTime.Zero,
            P999 = any ? m.Latency.Percentile(99.9) : SimTime.Zero,
            MeanMicroseconds = m.LatencyMicroseconds.HasInterval ? m.LatencyMicroseconds.Interval() : null,
            MeanInFlight = m.InFlight.Average(sim.Now),
            Tcp = w.Tcp,
            Cpu = cpu,
        };
    }
}
