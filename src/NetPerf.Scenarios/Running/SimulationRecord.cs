using NetPerf.Engine.Statistics;
using NetPerf.Network.Cpu;
using System.Text.Json.Serialization;
using NetPerf.Reporting;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// What one simulation (a variant x workload x path x replication) measured, reduced to what the results are made
/// of, before replications are pooled: the rows a shard keeps, so that joining shards recomputes every mean and
/// confidence interval from the replications themselves (<see cref="ResultSetBuilder"/> builds an unsharded run
/// from these records too, so the two cannot drift apart).
/// </summary>
public sealed record SimulationRecord
{
    /// <summary>The simulation's place among the run's (<see cref="RunUnit.Index"/>).</summary>
    public required int Index { get; init; }
    public required string Variant { get; init; }
    public required string Cni { get; init; }
    public required string KubeProxy { get; init; }
    public required string Workload { get; init; }
    public required string Test { get; init; }
    public required string Path { get; init; }
    public required int Replication { get; init; }
    public required int RequestBytes { get; init; }
    public required int ResponseBytes { get; init; }
    public required LatencyHistogram Latency { get; init; }
    public required long Transactions { get; init; }
    public required double TransactionsPerSecond { get; init; }
    public required double GoodputBitsPerSecond { get; init; }

    /// <summary>The measured window (picoseconds).</summary>
    public required long MeasuredPicoseconds { get; init; }

    /// <summary>The batch-means half-width of the mean latency (us), the interval of a single replication.</summary>
    public double? BatchMeansHalfWidth { get; init; }
    public required long Lost { get; init; }

    /// <summary>Of <see cref="Lost"/>, requests answered after the client's timeout (<see cref="Workloads.WorkloadReport.Late"/>).</summary>
    public long Late { get; init; }

    public required long BytesDelivered { get; init; }

    /// <summary>Connections that failed, by errno (<see cref="UnitResult.Failures"/>).</summary>
    public IReadOnlyDictionary<Transport.Tcp.TcpError, long> Failures { get; init; } = new Dictionary<Transport.Tcp.TcpError, long>();

    /// <summary>Kernel CPU by host and stage, and the host counters the summary reports.</summary>
    public required IReadOnlyList<HostRecord> Hosts { get; init; }

    /// <summary>The DNS lookup that found the server, on paths by name.</summary>
    public long? DnsLookupPicoseconds { get; init; }
    public int? DnsQueriesPerType { get; init; }

    /// <summary>The workload's TCP counters (a TCP workload's only).</summary>
    public TcpRecord? Tcp { get; init; }

    /// <summary>timeseries.csv's rows of this replication (already per replication: nothing to pool).</summary>
    public IReadOnlyList<TimeseriesRow> Timeseries { get; init; } = [];

    /// <summary>timeline.csv's rows of this replication: what its timeline did and what followed.</summary>
    public IReadOnlyList<TimelineRow> Timeline { get; init; } = [];

    /// <summary>Every request's latency (picoseconds), when samples were kept.</summary>
    public IReadOnlyList<long>? Samples { get; init; }
    public required long Events { get; init; }

    /// <summary>Kernel CPU picoseconds of every host and stage.</summary>
    [JsonIgnore]
    public long KernelPicoseconds => Hosts.Sum(h => h.Stages.Values.Sum());

    /// <summary>Requests answered, in time or after the client's timeout: what CPU per request divides by.</summary>
    [JsonIgnore]
    public long Answered => Transactions + Late;

    /// <summary>Kernel CPU nanoseconds per answered request (NaN without one), as <see cref="Workloads.WorkloadReport.CpuNanosecondsPerTransaction"/>.</summary>
    [JsonIgnore]
    public double CpuNanosecondsPerTransaction => Answered == 0 ? double.NaN : KernelPicoseconds / 1000.0 / Answered;

    /// <summary>Kernel CPU nanoseconds per payload byte delivered (NaN when nothing was).</summary>
    [JsonIgnore]
    public double CpuNanosecondsPerByte => BytesDelivered == 0 ? double.NaN : KernelPicoseconds / 1000.0 / BytesDelivered;
}

/// <summary>One host's kernel CPU by stage (picoseconds), its new connections dropped at a full conntrack table and its conntrack evictions.</summary>
public sealed record HostRecord(string Host, IReadOnlyDictionary<KernelStage, long> Stages, long ConntrackTableFullDrops, long ConntrackEvictions)
{
    /// <summary>Entries the host's BPF LRU maps (Cilium's conntrack and NAT maps) reclaimed to make room.</summary>
    public long BpfLruEvictions { get; init; }

    /// <summary>Expired entries the agent's garbage collector deleted from those maps.</summary>
    public long BpfGcDeletions { get; init; }
}
