using NetPerf.Engine.Statistics;
using NetPerf.Network.Stack;
using NetPerf.Workloads;
using NetPerf.Reporting;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

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

    public static ResultSet Build(RunOutcome outcome, string? baseline = null)
    {
        var s = outcome.Scenario;
        var summary = new List<SummaryRow>();
        var cpu = new List<CpuRow>();
        var cdfs = new List<LatencyCdf>();
        var samples = new List<SampleRow>();
        var series = new List<TimeseriesRow>();
        foreach (var group in outcome.Results.GroupBy(r => (r.Unit.Variant, r.Unit.Workload, r.Unit.Path)))
        {
            var runs = group.OrderBy(r => r.Unit.Replication).ToList();
            var (v, w, path) = group.Key;
            var first = runs[0];
            bool partial = outcome.Partial && outcome.Units.Count(u => u.Variant == v && u.Workload == w && u.Path == path) > runs.Count;
            SummaryRow Row(string metric, string unit, long count, double mean, double? ci) => new()
            {
                Scenario = s.Name, Variant = v.Name, Path = path.Name(), Cni = v.Cni.Name, KubeProxy = v.KubeProxy.Name, Workload = w.Name, Test = w.Test.Name,
                RequestBytes = first.RequestBytes, ResponseBytes = first.ResponseBytes, Metric = metric, Unit = unit, Count = count,
                Mean = mean, Ci95 = ci, Partial = partial,
            };

            var latency = new LatencyHistogram();
            foreach (var r in runs)
            {
                latency.Add(r.Latency);
            }

            long transactions = runs.Sum(r => r.Report.Transactions);
            if (latency.Count > 0)
            {
                var means = runs.Select(r => r.Latency.Count > 0 ? r.Latency.Mean.TotalMicroseconds : double.NaN).ToList();
                double? ci = runs.Count > 1 ? Interval(means) : first.Report.MeanMicroseconds?.HalfWidth;
                summary.Add(Row("latency", "us", latency.Count, latency.Mean.TotalMicroseconds, ci) with
                {
                    P50 = latency.Percentile(50).TotalMicroseconds,
                    P90 = latency.Percentile(90).TotalMicroseconds,
                    P99 = latency.Percentile(99).TotalMicroseconds,
                    P999 = latency.Count >= MinSamplesForP999 ? latency.Percentile(99.9).TotalMicroseconds : null,
                });
                cdfs.Add(new LatencyCdf(v.Name, path.Name(), v.Cni.Name, v.KubeProxy.Name, w.Name,
                    CdfPercentiles.Select(p => (p, latency.Percentile(p).TotalMicroseconds)).ToList()));
            }

            // A stream has no requests: its rate is its goodput and its CPU is per byte.
            bool stream = w.Test.IsStream;
            if (!stream)
            {
                Add(summary, Row, "throughput", "1/s", runs.Select(r => r.Report.TransactionsPerSecond).ToList());
            }

            Add(summary, Row, "goodput", "Mbit/s", runs.Select(r => r.Report.GoodputBitsPerSecond / 1e6).ToList());
            if (!stream)
            {
                Add(summary, Row, "cpu_per_request", "us", runs.Select(r => r.Report.CpuNanosecondsPerTransaction / 1000).ToList());
            }

            Add(summary, Row, "cpu_per_byte", "ns/B", runs.Select(r => r.Report.CpuNanosecondsPerByte(r.BytesDelivered)).ToList());
            // Nothing lost of nothing delivered is no success: a replication that delivered nothing has no loss figure (an empty cell).
            Add(summary, Row, "lost", w.Test == NetperfTestKind.UdpStream ? "datagrams" : "requests",
                runs.Select(r => r.Report.Transactions == 0 && r.BytesDelivered == 0 ? double.NaN : r.Lost).ToList());
            // A full conntrack table, when one was met: new connections dropped and entries evicted, per second, all
            // hosts (rows only then, so runs that never fill a table keep the summary they had).
            double PerSecond(UnitResult r, Func<HostCpu, long> count) => r.Report.Cpu.Sum(count) / r.Report.Measured.TotalSeconds;
            var ctDrops = runs.Select(r => PerSecond(r, h => h.Drops.GetValueOrDefault(DropReason.ConntrackTableFull))).ToList();
            var ctEvictions = runs.Select(r => PerSecond(r, h => h.ConntrackEvictions)).ToList();
            if (ctDrops.Any(x => x > 0) || ctEvictions.Any(x => x > 0))
            {
                Add(summary, Row, "conntrack_drops", "1/s", ctDrops);
                Add(summary, Row, "conntrack_evictions", "1/s", ctEvictions);
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

            if (runs.All(r => r.Lookup is not null))
            {
                Add(summary, Row, "dns_lookup", "us", runs.Select(r => r.Lookup!.Latency.TotalMicroseconds).ToList());
                summary.Add(Row("dns_queries", "queries", runs.Count, runs.Average(r => r.Lookup!.QueriesPerType * 2.0), null));
            }

            foreach (var (host, stage) in runs.SelectMany(r => r.Report.Cpu.SelectMany(h => h.PicosecondsByStage.Keys.Select(k => (h.Host, k)))).Distinct()
                         .OrderBy(x => HostOrder(x.Host)).ThenBy(x => x.k))
            {
                // Per replication, then averaged: the same mean of ratios as cpu_per_request, so the stages add up to it.
                double PerRun(UnitResult r, double denominator) =>
                    (r.Report.Cpu.FirstOrDefault(h => h.Host == host)?.PicosecondsByStage.GetValueOrDefault(stage) ?? 0) / 1000.0 / denominator;
                double perRequest = runs.All(r => r.Report.Transactions > 0) ? runs.Average(r => PerRun(r, r.Report.Transactions)) : double.NaN;
                double perByte = runs.All(r => r.BytesDelivered > 0) ? runs.Average(r => PerRun(r, r.BytesDelivered)) : double.NaN;
                cpu.Add(new CpuRow
                {
                    Scenario = s.Name, Variant = v.Name, Path = path.Name(), Cni = v.Cni.Name, KubeProxy = v.KubeProxy.Name, Workload = w.Name,
                    Node = host, Stage = stage.ToString(),
                    NanosecondsPerRequest = perRequest,
                    NanosecondsPerByte = perByte,
                });
            }

            foreach (var r in runs.Where(r => r.Series is not null))
            {
                series.AddRange(Timeseries(r, v.Name, path.Name(), w.Name, outcome.Duration));
            }

            foreach (var r in runs.Where(r => r.Samples is not null))
            {
                samples.AddRange(r.Samples!.Select((t, i) => new SampleRow
                {
                    Variant = v.Name, Path = path.Name(), Workload = w.Name, Replication = r.Unit.Replication, Index = i, LatencyMicroseconds = t.TotalMicroseconds,
                }));
            }
        }

        var variants = outcome.Units.Select(u => u.Variant.Name).Distinct().ToList();
        if (variants.Count == 0)
        {
            variants = outcome.BgpUnits.Select(u => u.Variant).Distinct().ToList();
        }
        return new ResultSet
        {
            Scenario = s.Name,
            Description = s.Description,
            Baseline = baseline ?? s.Baseline ?? variants.FirstOrDefault() ?? "",
            Summary = summary,
            Cpu = cpu,
            Cdfs = cdfs,
            Samples = samples,
            Timeseries = series,
            Bgp = outcome.Bgp.Select(b => Bgp(s.Name, b)).ToList(),
            Partial = outcome.Partial,
            CniColours = Kubernetes.Cni.CniPlugins.All.ToDictionary(k => k.Name, k => k.PlotColour),
        };
    }

    private static BgpRow Bgp(string scenario, BgpUnitResult b)
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
                P50Microseconds = Rank(0.50),
                P99Microseconds = Rank(0.99),
                Lost = t.Lost(i),
                Refused = t.Failures(i, Transport.Tcp.TcpError.Refused),
                Reset = t.Failures(i, Transport.Tcp.TcpError.Reset),
                TimedOut = t.Failures(i, Transport.Tcp.TcpError.TimedOut),
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
