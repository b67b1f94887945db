using NetPerf.Engine.Statistics;
using NetPerf.Network.Stack;
using NetPerf.Workloads;
using NetPerf.Reporting;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>The simulations of one variant x workload x path, whose replications are pooled into one set of rows.</summary>
public readonly record struct PlannedGroup(string Variant, string Workload, string Path);

/// <summary>
/// A run's simulations as records (<see cref="SimulationRecord"/>), with what the rows need beside them: the
/// scenario's name, description and baseline, its variants in order, the simulations it meant to run (to mark
/// groups a stopped run left short) and its BGP experiments' rows.
/// </summary>
public sealed record RunRecords
{
    public required string Scenario { get; init; }
    public string Description { get; init; } = "";
    public string? ScenarioBaseline { get; init; }
    public required IReadOnlyList<string> Variants { get; init; }
    public IReadOnlyList<PlannedGroup> Planned { get; init; } = [];
    public required IReadOnlyList<SimulationRecord> Simulations { get; init; }
    public IReadOnlyList<BgpRow> Bgp { get; init; } = [];
    public bool Partial { get; init; }
}

/// <summary>
/// Turns a run's simulations into the tidy rows results are written from: replications of one variant x
/// workload x path are pooled (histograms merged; means with a confidence interval across replications, or by
/// batch means within one), CPU is divided by the requests it served.
/// </summary>
public static class ResultSetBuilder
{
    /// <summary>The percentiles a CDF is drawn through: dense in the body, then the tail.</summary>
    private static readonly double[] CdfPercentiles =
        [.. Enumerable.Range(0, 50).Select(i => i * 2.0), 99.0, 99.5, 99.9, 99.95, 99.99, 100.0]; // 0 to 98, then the tail: ascending, 100 last

    /// <summary>Samples below which p99.9 is not reported: fewer put fewer than ten samples above it, and it reads as noise.</summary>
    public const long MinSamplesForP999 = 10_000;

    public static ResultSet Build(RunOutcome outcome, string? baseline = null) => Build(Records(outcome), baseline);

    /// <summary>A run's simulations as records, in unit order: what <see cref="Build(RunRecords, string?)"/> pools and what a shard keeps.</summary>
    public static RunRecords Records(RunOutcome outcome)
    {
        var s = outcome.Scenario;
        var variants = outcome.Units.Select(u => u.Variant.Name).Distinct().ToList();
        if (variants.Count == 0)
        {
            variants = outcome.BgpUnits.Select(u => u.Variant).Distinct().ToList();
        }

        return new RunRecords
        {
            Scenario = s.Name,
            Description = s.Description,
            ScenarioBaseline = s.Baseline,
            Variants = variants,
            Planned = outcome.Units.Select(u => new PlannedGroup(u.Variant.Name, u.Workload.Name, u.Path.Name())).ToList(),
            Simulations = outcome.Results.Select(r => Record(r, outcome.Duration)).ToList(),
            Bgp = outcome.Bgp.Select(b => Bgp(s.Name, b)).ToList(),
            Partial = outcome.Partial,
        };
    }

    /// <summary>One simulation's result reduced to what the rows are made of (<see cref="SimulationRecord"/>).</summary>
    public static SimulationRecord Record(UnitResult r, Engine.Time.SimTime duration)
    {
        var u = r.Unit;
        return new SimulationRecord
        {
            Index = u.Index, Variant = u.Variant.Name, Cni = u.Variant.Cni.Name, KubeProxy = u.Variant.KubeProxy.Name,
            Workload = u.Workload.Name, Test = u.Workload.Test.Name, Path = u.Path.Name(), Replication = u.Replication,
            RequestBytes = r.RequestBytes, ResponseBytes = r.ResponseBytes, Latency = r.Latency,
            Transactions = r.Report.Transactions, TransactionsPerSecond = r.Report.TransactionsPerSecond,
            GoodputBitsPerSecond = r.Report.GoodputBitsPerSecond, MeasuredPicoseconds = r.Report.Measured.Picoseconds,
            BatchMeansHalfWidth = r.Report.MeanMicroseconds?.HalfWidth, Lost = r.Lost, Late = r.Report.Late, BytesDelivered = r.BytesDelivered, Failures = r.Failures,
            Hosts = r.Report.Cpu.Select(h => new HostRecord(h.Host, h.PicosecondsByStage, h.Drops.GetValueOrDefault(DropReason.ConntrackTableFull), h.ConntrackEvictions) { BpfLruEvictions = h.BpfLruEvictions, BpfGcDeletions = h.BpfGcDeletions }).ToList(),
            DnsLookupPicoseconds = r.Lookup?.Latency.Picoseconds, DnsQueriesPerType = r.Lookup?.QueriesPerType,
            Tcp = r.Report.Tcp is { } tcp ? new TcpRecord(tcp.Timeouts, tcp.RetransmittedSegments, tcp.MtuReductions, tcp.SmallestSegmentPayload) : null,
            Timeseries = r.Series is null ? [] : Timeseries(r, u.Variant.Name, u.Path.Name(), u.Workload.Name, duration).ToList(),
            Timeline = r.Timeline.Select(e => new TimelineRow
            {
                Variant = u.Variant.Name, Path = u.Path.Name(), Workload = u.Workload.Name, Replication = u.Replication,
                AtMilliseconds = e.At.Picoseconds / 1e9, Event = e.Event, Object = e.Object,
            }).ToList(),
            Samples = r.Samples?.Select(t => t.Picoseconds).ToList(),
            Events = r.Events,
        };
    }

    /// <summary>The rows of a run from its simulations' records: replications pooled, intervals across them.</summary>
    public static ResultSet Build(RunRecords records, string? baseline = null)
    {
        var summary = new List<SummaryRow>();
        var cpu = new List<CpuRow>();
        var cdfs = new List<LatencyCdf>();
        var samples = new List<SampleRow>();
        var series = new List<TimeseriesRow>();
        var timeline = new List<TimelineRow>();
        foreach (var group in records.Simulations.GroupBy(r => new PlannedGroup(r.Variant, r.Workload, r.Path)))
        {
            var runs = group.OrderBy(r => r.Replication).ToList();
            var first = runs[0];
            var test = Tests.Get(first.Test);
            bool partial = records.Partial && records.Planned.Count(g => g == group.Key) > runs.Count;
            SummaryRow Row(string metric, string unit, long count, double mean, double? ci) => new()
            {
                Scenario = records.Scenario, Variant = first.Variant, Path = first.Path, Cni = first.Cni, KubeProxy = first.KubeProxy, Workload = first.Workload, Test = test.Name,
                RequestBytes = first.RequestBytes, ResponseBytes = first.ResponseBytes, Metric = metric, Unit = unit, Count = count,
                Mean = mean, Ci95 = ci, Partial = partial,
            };

            var latency = new LatencyHistogram();
            foreach (var r in runs)
            {
                latency.Add(r.Latency);
            }

            if (latency.Count > 0)
            {
                var means = runs.Select(r => r.Latency.Count > 0 ? r.Latency.Mean.TotalMicroseconds : double.NaN).ToList();
                double? ci = runs.Count > 1 ? Interval(means) : first.BatchMeansHalfWidth;
                summary.Add(Row("latency", "us", latency.Count, latency.Mean.TotalMicroseconds, ci) with
                {
                    P50 = latency.Percentile(50).TotalMicroseconds,
                    P90 = latency.Percentile(90).TotalMicroseconds,
                    P99 = latency.Percentile(99).TotalMicroseconds,
                    P999 = latency.Count >= MinSamplesForP999 ? latency.Percentile(99.9).TotalMicroseconds : null,
                });
                cdfs.Add(new LatencyCdf(first.Variant, first.Path, first.Cni, first.KubeProxy, first.Workload,
                    CdfPercentiles.Select(p => (p, latency.Percentile(p).TotalMicroseconds)).ToList()));
            }

            // A stream has no requests: its rate is its goodput and its CPU is per byte.
            bool stream = test.IsStream;
            if (!stream)
            {
                Add(summary, Row, "throughput", "1/s", runs.Select(r => r.TransactionsPerSecond).ToList());
            }

            Add(summary, Row, "goodput", "Mbit/s", runs.Select(r => r.GoodputBitsPerSecond / 1e6).ToList());
            if (!stream)
            {
                Add(summary, Row, "cpu_per_request", "us", runs.Select(r => r.CpuNanosecondsPerTransaction / 1000).ToList());
            }

            Add(summary, Row, "cpu_per_byte", "ns/B", runs.Select(r => r.CpuNanosecondsPerByte).ToList());
            // Nothing lost of nothing delivered is no success: a replication that delivered nothing has no loss figure (an empty cell).
            Add(summary, Row, "lost", test == NetperfTestKind.UdpStream ? "datagrams" : "requests",
                runs.Select(r => r.Transactions == 0 && r.BytesDelivered == 0 ? double.NaN : r.Lost).ToList());
            // Of those, the requests answered after the client's timeout (an open loop past capacity): rows only then.
            if (runs.Any(r => r.Late > 0))
            {
                Add(summary, Row, "late", "requests", runs.Select(r => (double)r.Late).ToList());
            }

            // A full conntrack table, when one was met: new connections dropped and entries evicted, per second, all
            // hosts (rows only then, so runs that never fill a table keep the summary they had).
            double PerSecond(SimulationRecord r, Func<HostRecord, long> count) => r.Hosts.Sum(count) / new Engine.Time.SimTime(r.MeasuredPicoseconds).TotalSeconds;
            var ctDrops = runs.Select(r => PerSecond(r, h => h.ConntrackTableFullDrops)).ToList();
            var ctEvictions = runs.Select(r => PerSecond(r, h => h.ConntrackEvictions)).ToList();
            if (ctDrops.Any(x => x > 0) || ctEvictions.Any(x => x > 0))
            {
                Add(summary, Row, "conntrack_drops", "1/s", ctDrops);
                Add(summary, Row, "conntrack_evictions", "1/s", ctEvictions);
            }

            // Cilium's conntrack and NAT maps are LRU hash maps: when full an insert reclaims the least recently
            // used entry rather than refuse the insert; the evicted flow pays for it later (a new entry, a reply
            // judged by policy, a NodePort reply without its SNAT mapping lost). Rows only when one was reclaimed.
            var bpfEvictions = runs.Select(r => PerSecond(r, h => h.BpfLruEvictions)).ToList();
            if (bpfEvictions.Any(x => x > 0))
            {
                Add(summary, Row, "bpf_lru_evictions", "1/s", bpfEvictions);
            }

            // The agent's conntrack collector deletes expired entries (its first scan after 5 minutes unless
            // cluster.cilium.conntrackGCInterval is set): rows only when it deleted one.
            var bpfGc = runs.Select(r => PerSecond(r, h => h.BpfGcDeletions)).ToList();
            if (bpfGc.Any(x => x > 0))
            {
                Add(summary, Row, "bpf_ct_gc_deletions", "1/s", bpfGc);
            }

            // Connections that failed, by errno (mean per replication): rows only when one failed, as for conntrack.
            foreach (var (error, metric) in ConnectionErrors)
            {
                var failed = runs.Select(r => (double)r.Failures.GetValueOrDefault(error)).ToList();
                if (failed.Any(x => x > 0))
                {
                    Add(summary, Row, metric, "connections", failed);
                }
            }

            // TCP that met a retransmission timeout or lowered its MSS for a path MTU (an MTU black hole and its
            // recovery): rows only then, as for conntrack.
            if (runs.Any(r => r.Tcp is { } t && (t.Timeouts > 0 || t.MtuReductions > 0)))
            {
                Add(summary, Row, "tcp_timeouts", "timeouts", runs.Select(r => (double)(r.Tcp?.Timeouts ?? 0)).ToList());
                Add(summary, Row, "tcp_retransmitted", "segments", runs.Select(r => (double)(r.Tcp?.RetransmittedSegments ?? 0)).ToList());
                Add(summary, Row, "tcp_mtu_reductions", "errors", runs.Select(r => (double)(r.Tcp?.MtuReductions ?? 0)).ToList());
                Add(summary, Row, "tcp_segment_payload", "B", runs.Select(r => r.Tcp is { SmallestSegmentPayload: > 0 } t ? t.SmallestSegmentPayload : double.NaN).ToList());
            }

            if (runs.All(r => r.DnsLookupPicoseconds is not null))
            {
                Add(summary, Row, "dns_lookup", "us", runs.Select(r => new Engine.Time.SimTime(r.DnsLookupPicoseconds!.Value).TotalMicroseconds).ToList());
                summary.Add(Row("dns_queries", "queries", runs.Count, runs.Average(r => r.DnsQueriesPerType!.Value * 2.0), null));
            }

            foreach (var (host, stage) in runs.SelectMany(r => r.Hosts.SelectMany(h => h.Stages.Keys.Select(k => (h.Host, k)))).Distinct()
                         .OrderBy(x => HostOrder(x.Host)).ThenBy(x => x.k))
            {
                // Per replication, then averaged: the same mean of ratios as cpu_per_request, so the stages add up to it.
                double PerRun(SimulationRecord r, double denominator) =>
                    (r.Hosts.FirstOrDefault(h => h.Host == host)?.Stages.GetValueOrDefault(stage) ?? 0) / 1000.0 / denominator;
                double perRequest = runs.All(r => r.Answered > 0) ? runs.Average(r => PerRun(r, r.Answered)) : double.NaN;
                double perByte = runs.All(r => r.BytesDelivered > 0) ? runs.Average(r => PerRun(r, r.BytesDelivered)) : double.NaN;
                cpu.Add(new CpuRow
                {
                    Scenario = records.Scenario, Variant = first.Variant, Path = first.Path, Cni = first.Cni, KubeProxy = first.KubeProxy, Workload = first.Workload,
                    Node = host, Stage = stage.ToString(),
                    NanosecondsPerRequest = perRequest,
                    NanosecondsPerByte = perByte,
                });
            }

            foreach (var r in runs)
            {
                series.AddRange(r.Timeseries);
            }

            foreach (var r in runs)
            {
                timeline.AddRange(r.Timeline);
            }

            foreach (var r in runs.Where(r => r.Samples is not null))
            {
                samples.AddRange(r.Samples!.Select((ps, i) => new SampleRow
                {
                    Variant = first.Variant, Path = first.Path, Workload = first.Workload, Replication = r.Replication, Index = i, LatencyMicroseconds = new Engine.Time.SimTime(ps).TotalMicroseconds,
                }));
            }
        }

        return new ResultSet
        {
            Scenario = records.Scenario,
            Description = records.Description,
            Baseline = baseline ?? records.ScenarioBaseline ?? records.Variants.FirstOrDefault() ?? "",
            Summary = summary,
            Cpu = cpu,
            Cdfs = cdfs,
            Samples = samples,
            Timeseries = series,
            Timeline = timeline,
            Bgp = records.Bgp,
            Partial = records.Partial,
            CniColours = Kubernetes.Cni.CniPlugins.All.ToDictionary(k => k.Name, k => k.PlotColour),
        };
    }

    internal static BgpRow Bgp(string scenario, BgpUnitResult b)
    {
        var r = b.Result;
        static double? Ms(Engine.Time.SimTime? t) => t?.TotalMilliseconds;
        return new BgpRow
        {
            Scenario = scenario, Variant = b.Unit.Variant, Nodes = r.Nodes, Topology = b.Unit.Topology, Reflectors = b.Unit.Topology == "full-mesh" ? 0 : r.Reflectors,
            Replication = b.Unit.Replication, HoldSeconds = r.Hold.TotalSeconds, KeepaliveSeconds = r.Keepalive.TotalSeconds, Sessions = r.Sessions,
            InitialConvergenceMs = Ms(r.InitialConvergence), InitialOpens = r.InitialOpens, InitialUpdates = r.InitialUpdates,
            InitialKeepalives = r.InitialKeepalives, InitialBytes = r.InitialBytes, Updates = r.Updates, Withdrawals = r.Withdrawals,
            Keepalives = r.Keepalives, Notifications = r.Notifications, BytesSent = r.BytesSent, FailedNode = r.FailedNode,
            PeersOfFailedNode = r.PeersOfFailedNode, PeersWithdrawn = r.PeersWithdrawn, WithdrawnFirstMs = Ms(r.WithdrawnFirst),
            WithdrawnLastMs = Ms(r.WithdrawnLast), JoinedNode = r.JoinedNode, JoinReachableFromAllMs = Ms(r.JoinReachableFromAll),
            JoinLearnedAllMs = Ms(r.JoinLearnedAll),
        };
    }

    /// <summary>A unit's intervals, every one of the measured window (empty ones included), percentiles by nearest rank.</summary>
    private static IEnumerable<TimeseriesRow> Timeseries(UnitResult r, string variant, string path, string workload, Engine.Time.SimTime duration)
    {
        var t = r.Series!;
        var reasons = Enum.GetValues<DropReason>();
        long count = (duration.Picoseconds + t.Interval.Picoseconds - 1) / t.Interval.Picoseconds;
        for (int i = 0; i < count; i++)
        {
            var sorted = t.Latencies(i).Order().ToArray();
            double Rank(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)] / 1e6;
            double width = Math.Min(t.Interval.Picoseconds, duration.Picoseconds - i * t.Interval.Picoseconds) / 1e12;
            yield return new TimeseriesRow
            {
                Variant = variant, Path = path, Workload = workload, Replication = r.Unit.Replication,
                StartMilliseconds = i * t.Interval.Picoseconds / 1e9,
                IntervalMilliseconds = width * 1e3,
                Transactions = sorted.Length,
                ThroughputPerSecond = sorted.Length / width,
                GoodputMbps = t.BytesDelivered(i) * 8 / width / 1e6,
                P50Microseconds = Rank(0.50),
                P99Microseconds = Rank(0.99),
                Lost = t.Lost(i),
                Refused = t.Failures(i, Transport.Tcp.TcpError.Refused),
                Reset = t.Failures(i, Transport.Tcp.TcpError.Reset),
                TimedOut = t.Failures(i, Transport.Tcp.TcpError.TimedOut),
                DnsDelayed = t.DnsDelayed(i),
                DnsFailed = t.DnsFailed(i),
                Cpu = [.. t.Hosts.Select((h, k) => (h, t.Cpu(i, k)))],
                Drops = [.. reasons.Select(d => (d.ToString(), t.Drops(i, d)))],
            };
        }
    }

    /// <summary>The summary's connection-error metrics, by the errno each counts.</summary>
    private static readonly (Transport.Tcp.TcpError Error, string Metric)[] ConnectionErrors =
        [(Transport.Tcp.TcpError.Refused, "refused"), (Transport.Tcp.TcpError.Reset, "reset"), (Transport.Tcp.TcpError.TimedOut, "timed_out")];

    private static void Add(List<SummaryRow> rows, Func<string, string, long, double, double?, SummaryRow> row, string metric, string unit, IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        rows.Add(row(metric, unit, values.Count, finite.Count > 0 ? finite.Average() : double.NaN, Interval(finite)));
    }

    private static double? Interval(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count >= 2 ? ConfidenceInterval.FromIndependent(finite).HalfWidth : null;
    }

    /// <summary>Nodes in number order (node2 before node10), then the outside hosts.</summary>
    private static (int, int, string) HostOrder(string host) =>
        host.StartsWith("node", StringComparison.Ordinal) && int.TryParse(host.AsSpan(4), out int n) ? (0, n, host) : (1, 0, host);
}
