using NetPerf.Engine.Statistics;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Dns;
using NetPerf.Workloads;

namespace NetPerf.Scenarios.Running;

/// <summary>What one <see cref="RunUnit"/> measured: the workload's report, its latency histogram, the DNS lookup that found the server (paths by name).</summary>
public sealed record UnitResult(RunUnit Unit, WorkloadReport Report, LatencyHistogram Latency, DnsLookup? Lookup, long Events)
{
    /// <summary>Request and response sizes as run (the compare block's message size over the workload's).</summary>
    public required int RequestBytes { get; init; }
    public required int ResponseBytes { get; init; }

    /// <summary>Every request's latency, when samples were asked for.</summary>
    public IReadOnlyList<SimTime>? Samples { get; init; }

    /// <summary>Results per interval of the measured window (timeseries.csv).</summary>
    public Workloads.IntervalSeries? Series { get; init; }

    /// <summary>Requests lost, or for UDP_STREAM the datagrams sent in the window that never arrived.</summary>
    public required long Lost { get; init; }

    /// <summary>What the scenario's timeline did and what followed (empty without a timeline).</summary>
    public IReadOnlyList<TimelineRecord> Timeline { get; init; } = [];

    /// <summary>Connections that failed in the measured window, by errno (refused, reset, timed out; None unused).</summary>
    public IReadOnlyDictionary<Transport.Tcp.TcpError, long> Failures { get; init; } = new Dictionary<Transport.Tcp.TcpError, long>();

    /// <summary>Payload bytes delivered in the measured window (both directions), for CPU per byte.</summary>
    public required long BytesDelivered { get; init; }
}
