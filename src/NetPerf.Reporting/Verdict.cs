using NetPerf.Reporting.Plots;

namespace NetPerf.Reporting;

/// <summary>One kernel stage's share of a difference between two variants, summed over every node.</summary>
/// <param name="Nanoseconds">The costlier variant's figure less the cheaper one's: ns per request, or ns per byte for a stream.</param>
public sealed record StageDifference(string Stage, string Layer, double Nanoseconds);

/// <summary>
/// The largest difference on one path for one workload: the variant whose packets cost the most CPU against the
/// one whose cost the least, their ratios, and the stages that make the difference. The CPU is the kernel's, and
/// a user-space program's where a variant's packets pass one (Weave's weaver in sleeve): then
/// <paramref name="UserSpaceDifference"/> is not null and the verdict says so.
/// </summary>
/// <param name="PerByte">True for a stream: CPU is per byte delivered and the other ratio is goodput's.</param>
/// <param name="CpuRatio">Costliest / cheapest CPU per request (per byte for a stream).</param>
/// <param name="OtherRatio">p50 latency (goodput for a stream) of the costliest over the cheapest's; null when either is missing.</param>
/// <param name="Difference">Costliest less cheapest: µs per request, or ns per byte for a stream.</param>
/// <param name="UserSpaceDifference">
/// The part of <paramref name="Difference"/> in user-space stages (<see cref="StageColours.IsUserSpace"/>), in its unit;
/// null when neither variant's packets cost user-space CPU, so that all of it is the kernel's.
/// </param>
public sealed record PathVerdict(
    string Path, string Workload, bool PerByte, string Costliest, string Cheapest,
    double CpuRatio, double? OtherRatio, double Difference, IReadOnlyList<StageDifference> Causes, double? UserSpaceDifference = null)
{
    /// <summary>What the CPU figure is: "kernel CPU", or "kernel and user-space CPU" when a variant spends some in user space.</summary>
    public string CpuLabel => UserSpaceDifference is null ? "kernel CPU" : "kernel and user-space CPU";

    /// <summary>True when the variants differ by less than <see cref="Verdict.Negligible"/> in CPU and in the other ratio.</summary>
    public bool NoDifference =>
        CpuRatio < 1 + Verdict.Negligible && (OtherRatio is not double r || Math.Abs(r - 1) < Verdict.Negligible);
}

/// <summary>
/// What a run says, path by path, before its tables: for each path and workload, the costliest variant against
/// the cheapest by kernel CPU (which the per-stage rows explain exactly), with the stages whose cost differs most
/// between them. Largest differences first; paths where no variant differs are named once, last.
/// </summary>
public static class Verdict
{
    /// <summary>Below half a percent the variants count as the same (the report shows ratios to two decimals).</summary>
    public const double Negligible = 0.005;

    /// <summary>Stages named as causes: the largest few, enough to read, not the whole table.</summary>
    public const int CausesShown = 3;

    /// <summary>Every path and workload measured by two variants or more, largest CPU ratio first (ties: run order).</summary>
    public static IReadOnlyList<PathVerdict> Of(ResultSet results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var index = new ResultIndex(results);
        var verdicts = new List<PathVerdict>();
        foreach (string path in index.Paths)
        {
            foreach (string workload in index.Series(path).Select(s => s.Workload).Distinct())
            {
                if (Judge(index, path, workload) is { } v)
                    verdicts.Add(v);
            }
        }
        return verdicts
            .Select((v, order) => (v, order))
            .OrderByDescending(x => x.v.NoDifference ? 0 : Math.Max(x.v.CpuRatio, Spread(x.v.OtherRatio)))
            .ThenBy(x => x.order)
            .Select(x => x.v)
            .ToList();
    }

    /// <summary>The paths in the order the verdict puts them: each at its largest difference, identical paths last.</summary>
    public static IReadOnlyList<string> PathOrder(ResultSet results, IReadOnlyList<PathVerdict> verdicts)
    {
        var order = verdicts.Select(v => v.Path).Distinct().ToList();
        order.AddRange(new ResultIndex(results).Paths.Where(p => !order.Contains(p)));
        return order;
    }

    /// <summary>
    /// The verdict in words, e.g. "flannel-vxlan costs 1.31x calico-bgp's kernel CPU per request (+13.13 µs) at
    /// 1.17x its p50 latency; largest stage differences: VxlanEncapsulate (tunnel) +3.42 µs, ...". Where a variant
    /// works in user space the CPU is named "kernel and user-space CPU" and the user-space part of the difference
    /// given: "weave-sleeve costs 1.40x weave's kernel and user-space CPU per request (+18.09 µs, of it user space
    /// +1.08 µs)".
    /// </summary>
    public static string Sentence(PathVerdict v)
    {
        ArgumentNullException.ThrowIfNull(v);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (v.NoDifference)
            return string.Create(inv, $"every variant costs the same (within {Negligible * 100:0.#}%)");
        string unit = v.PerByte ? "ns/B" : "µs";
        string what = v.CpuLabel + (v.PerByte ? " per byte" : " per request");
        string userSpace = v.UserSpaceDifference is double u ? string.Create(inv, $", of it user space {Signed(u)} {unit}") : "";
        string other = v.OtherRatio is double r
            ? string.Create(inv, $" at {r:0.00}x its {(v.PerByte ? "goodput" : "p50 latency")}")
            : "";
        string causes = string.Join(", ", v.Causes.Select(c =>
            string.Create(inv, $"{c.Stage} ({c.Layer}) {Signed(v.PerByte ? c.Nanoseconds : c.Nanoseconds / 1000)} {unit}")));
        return string.Create(inv, $"{v.Costliest} costs {v.CpuRatio:0.00}x {v.Cheapest}'s {what} ({Signed(v.Difference)} {unit}{userSpace}){other}")
            + (causes.Length > 0 ? "; largest stage differences: " + causes : "");
    }

    private static string Signed(double value)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        double magnitude = Math.Abs(value);
        string digits = magnitude >= 100 ? value.ToString("+0;-0", inv) : magnitude >= 1 ? value.ToString("+0.00;-0.00", inv) : value.ToString("+0.000;-0.000", inv);
        return digits;
    }

    private static double Spread(double? ratio) => ratio is double r && r > 0 ? Math.Max(r, 1 / r) : 1;

    private static PathVerdict? Judge(ResultIndex index, string path, string workload)
    {
        List<SeriesKey> series = index.Series(path).Where(s => s.Workload == workload).ToList();
        bool stream = series.Any(s => index.Results.Summary.Any(r =>
            r.Path == path && r.Variant == s.Variant && r.Workload == workload && r.Test.EndsWith("STREAM", StringComparison.Ordinal)));
        string cpuMetric = stream ? "cpu_per_byte" : HtmlReport.CpuPerRequestMetric;
        var priced = new List<(SeriesKey Key, double Cpu)>();
        foreach (SeriesKey key in series)
        {
            if (index.Find(path, key, cpuMetric)?.Mean is double cpu && double.IsFinite(cpu) && cpu > 0)
                priced.Add((key, cpu));
        }
        if (priced.Count < 2)
            return null;
        // Run order breaks ties, so identical variants name the first two.
        (SeriesKey hi, double hiCpu) = priced.Aggregate((a, b) => b.Cpu > a.Cpu ? b : a);
        (SeriesKey lo, double loCpu) = priced.Aggregate((a, b) => b.Cpu < a.Cpu ? b : a);
        if (hi == lo)
            lo = priced.First(p => p.Key != hi).Key;

        double? Other(SeriesKey k) => stream ? index.Find(path, k, "goodput")?.Mean : index.Find(path, k, HtmlReport.LatencyMetric)?.P50;
        double? other = Other(hi) is double a && Other(lo) is double b && b > 0 && double.IsFinite(a / b) ? a / b : null;

        Dictionary<string, double> hiStages = StageTotals(index, path, hi, stream), loStages = StageTotals(index, path, lo, stream);
        var causes = hiStages.Keys.Union(loStages.Keys)
            .Select(stage => (Key: stage, Delta: hiStages.GetValueOrDefault(stage) - loStages.GetValueOrDefault(stage)))
            .Where(d => Math.Abs(d.Delta) > 0)
            .OrderByDescending(d => Math.Abs(d.Delta))
            .ThenBy(d => d.Key, StringComparer.Ordinal)
            .Take(CausesShown)
            .Select(d => new StageDifference(d.Key, StageColours.LayerOf(d.Key), d.Delta))
            .ToList();
        // The user-space part, in the verdict's unit (µs per request, ns per byte), when either variant has one.
        bool userSpace = hiStages.Concat(loStages).Any(kv => StageColours.IsUserSpace(kv.Key) && kv.Value != 0);
        double? userSpaceDifference = userSpace
            ? (hiStages.Where(kv => StageColours.IsUserSpace(kv.Key)).Sum(kv => kv.Value) - loStages.Where(kv => StageColours.IsUserSpace(kv.Key)).Sum(kv => kv.Value)) / (stream ? 1 : 1000)
            : null;
        return new PathVerdict(path, workload, stream, hi.Variant, lo.Variant, hiCpu / loCpu, other, hiCpu - loCpu, causes, userSpaceDifference);
    }

    private static Dictionary<string, double> StageTotals(ResultIndex index, string path, SeriesKey key, bool perByte)
    {
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (CpuRow r in index.Results.Cpu)
        {
            if (r.Path != path || r.Variant != key.Variant || r.Workload != key.Workload)
                continue;
            double v = perByte ? r.NanosecondsPerByte : r.NanosecondsPerRequest;
            if (double.IsFinite(v))
                totals[r.Stage] = totals.GetValueOrDefault(r.Stage) + v;
        }
        return totals;
    }
}
