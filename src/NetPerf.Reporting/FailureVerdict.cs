using System.Globalization;

namespace NetPerf.Reporting;

/// <summary>One kind of failure a variant met on a path, as the summary counts it: a mean per replication.</summary>
/// <param name="Kind">In words, e.g. "TCP retransmission timeouts", "connections refused".</param>
public sealed record FailureCount(string Kind, double PerReplication);

/// <summary>A variant's failures on one path for one workload (none: an empty list), beside its throughput.</summary>
/// <param name="TransactionsPerSecond">Its throughput, null for a stream.</param>
public sealed record VariantFailures(string Variant, IReadOnlyList<FailureCount> Failures, double? TransactionsPerSecond);

/// <summary>A path and workload on which at least one variant failed: every variant's failures, in run order.</summary>
public sealed record PathFailures(string Path, string Workload, IReadOnlyList<VariantFailures> Variants);

/// <summary>
/// What a run's latency percentiles do not show: connections refused, reset or timed out, requests lost, TCP's
/// retransmission timeouts, a full conntrack table's drops. A few connections that each waited for a 1 s SYN
/// retransmission (the SNAT port race) move neither p50 nor p99 of tens of thousands, and the CPU verdict can name
/// the variant that fails as the cheaper one; this says, per path, which variant failed and how often.
/// </summary>
public static class FailureVerdict
{
    /// <summary>The summary metrics that count failures, in the order they are named, with their words.</summary>
    private static readonly (string Metric, string Kind)[] Kinds =
    [
        ("refused", "connections refused"),
        ("reset", "connections reset"),
        ("timed_out", "connections timed out"),
        ("tcp_timeouts", "TCP retransmission timeouts"),
        ("lost", "lost"),
        ("late", "answered late"),
        ("conntrack_drops", "conntrack table-full drops/s"),
    ];

    /// <summary>Every path and workload on which a variant failed at least once, in run order.</summary>
    public static IReadOnlyList<PathFailures> Of(ResultSet results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var index = new ResultIndex(results);
        var rows = results.Summary.ToLookup(r => (r.Path, r.Variant, r.Workload));
        var found = new List<PathFailures>();
        foreach (string path in index.Paths)
        {
            foreach (string workload in index.Series(path).Select(s => s.Workload).Distinct())
            {
                var variants = new List<VariantFailures>();
                foreach (SeriesKey key in index.Series(path).Where(s => s.Workload == workload))
                {
                    var of = rows[(path, key.Variant, workload)].ToList();
                    var failures = new List<FailureCount>();
                    // A refused, reset or timed-out connection's request is also counted lost: name only the losses
                    // beyond those, so one failed connection is not two failures.
                    double failedConnections = of.Where(r => r.Metric is "refused" or "reset" or "timed_out" && double.IsFinite(r.Mean)).Sum(r => r.Mean);
                    foreach ((string metric, string kind) in Kinds)
                    {
                        if (of.FirstOrDefault(r => r.Metric == metric) is { Mean: var mean } row && double.IsFinite(mean) && mean > 0)
                        {
                            if (metric != "lost")
                            {
                                failures.Add(new FailureCount(kind, mean));
                            }
                            else if (failedConnections == 0)
                            {
                                failures.Add(new FailureCount($"{row.Unit} lost", mean));
                            }
                            else if (mean - failedConnections > 1e-9)
                            {
                                failures.Add(new FailureCount($"{row.Unit} lost besides the failed connections'", mean - failedConnections));
                            }
                        }
                    }

                    variants.Add(new VariantFailures(key.Variant, failures, of.FirstOrDefault(r => r.Metric == "throughput")?.Mean));
                }

                if (variants.Any(v => v.Failures.Count > 0))
                {
                    found.Add(new PathFailures(path, workload, variants));
                }
            }
        }

        return found;
    }

    /// <summary>
    /// In words, e.g. "masq-keep-source: 2 TCP retransmission timeouts (6825 trans/s); masq-random-fully: none
    /// (9177 trans/s)"; counts are per replication, conntrack's table-full drops a rate (per second).
    /// </summary>
    public static string Sentence(PathFailures p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var inv = CultureInfo.InvariantCulture;
        return string.Join("; ", p.Variants.Select(v =>
        {
            string failed = v.Failures.Count == 0 ? "none" : string.Join(", ", v.Failures.Select(f => string.Create(inv, $"{f.PerReplication:0.##} {f.Kind}")));
            string rate = v.TransactionsPerSecond is double t && double.IsFinite(t) ? string.Create(inv, $" ({t:0} trans/s)") : "";
            return $"{v.Variant}: {failed}{rate}";
        }));
    }
}
