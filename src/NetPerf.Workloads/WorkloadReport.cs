using NetPerf.Engine.Statistics;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;

namespace NetPerf.Workloads;

/// <summary>What one workload measured over the measured window (after warm-up).</summary>
public sealed record WorkloadReport
{
    public required string Name { get; init; }
    public required SimTime Measured { get; init; }
    public required long Transactions { get; init; }
    public required double TransactionsPerSecond { get; init; }

    /// <summary>Payload bits per second delivered to the applications (both directions).</summary>
    public required double GoodputBitsPerSecond { get; init; }

    public required double ConnectionsPerSecond { get; init; }
    public required long Lost { get; init; }

    /// <summary>Of <see cref="Lost"/>, requests answered after the client's timeout (<see cref="Measurement.Late"/>).</summary>
    public long Late { get; init; }
    public required SimTime P50 { get; init; }
    public required SimTime P90 { get; init; }
    public required SimTime P99 { get; init; }
    public required SimTime P999 { get; init; }

    /// <summary>Mean latency in microseconds with its 95% confidence interval (batch means).</summary>
    public required ConfidenceInterval? MeanMicroseconds { get; init; }

    /// <summary>Time-weighted mean of requests in flight.</summary>
    public required double MeanInFlight { get; init; }

    public required TcpStatisticsTotal? Tcp { get; init; }

    /// <summary>Kernel CPU the workload's packets cost on each host, by stage (picoseconds over the measured window).</summary>
    public required IReadOnlyList<HostCpu> Cpu { get; init; }

    /// <summary>
    /// Kernel CPU nanoseconds per answered request, all hosts: over <see cref="Transactions"/> and <see cref="Late"/>
    /// (NaN without either). A late answer's packets crossed every stage an answer in time crosses, so an open loop
    /// past capacity, where many answers come after their client's timeout, does not charge their work to the
    /// answers in time. Requests never answered (lost, or unanswered at the window's end) are in no denominator.
    /// </summary>
    public double CpuNanosecondsPerTransaction =>
        Transactions + Late == 0 ? double.NaN : Cpu.Sum(h => h.KernelPicoseconds) / 1000.0 / (Transactions + Late);

    /// <summary>Kernel CPU nanoseconds per payload byte delivered, all hosts.</summary>
    public double CpuNanosecondsPerByte(long bytes) => bytes == 0 ? double.NaN : Cpu.Sum(h => h.KernelPicoseconds) / 1000.0 / bytes;
}

/// <summary>
/// One host's share of a workload's kernel CPU, by stage; and, for all traffic on the host (not only this
/// workload's), the application CPU and the drops by reason.
/// </summary>
public sealed record HostCpu(string Host, IReadOnlyDictionary<KernelStage, long> PicosecondsByStage, long ApplicationPicoseconds,
    IReadOnlyDictionary<DropReason, long> Drops)
{
    public long KernelPicoseconds => PicosecondsByStage.Values.Sum();

    /// <summary>Conntrack entries evicted to make room on the host (early_drop from the packet path, and the collector's early-drop pass), all its namespaces.</summary>
    public long ConntrackEvictions { get; init; }

    /// <summary>Entries the host's BPF LRU maps (Cilium's conntrack and NAT maps) reclaimed to make room: an insert into a full map evicts rather than being refused (what the evicted flow then meets may still drop it: docs/failures.md).</summary>
    public long BpfLruEvictions { get; init; }

    /// <summary>Expired entries the agent's garbage collector deleted from those maps (Cilium's conntrack GC).</summary>
    public long BpfGcDeletions { get; init; }
}
