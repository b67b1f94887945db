using System.Globalization;
using NetPerf.Reporting;

namespace NetPerf.Cli.Commands;

/// <summary>
/// The table printed at the end of a run: per workload and path, each variant's p50 and p99 latency,
/// throughput and CPU per request, with latency and CPU as ratios to the baseline variant.
/// </summary>
internal static class SummaryTable
{
    public static void Write(TextWriter o, ResultSet r)
    {
        var inv = CultureInfo.InvariantCulture;
        var rows = r.Summary.ToLookup(x => (x.Variant, x.Workload, x.Path));
        var variants = r.Summary.Select(x => x.Variant).Distinct().ToList();
        WriteBgp(o, r);
        if (variants.Count == 0)
        {
            return;
        }

        int vw = Math.Max(8, variants.Max(v => v.Length));
        foreach (var workload in r.Summary.Select(x => x.Workload).Distinct())
        {
            var first = r.Summary.First(x => x.Workload == workload);
            o.WriteLine();
            if (Scenarios.Model.Tests.Find(first.Test) is { IsStream: true })
            {
                Stream(o, r, rows, variants, vw, workload, first.Test);
                continue;
            }

            o.WriteLine($"{workload}: {first.Test}, {first.RequestBytes} B request, {first.ResponseBytes} B response; ratios to {r.Baseline}");
            o.WriteLine($"  {"path",-15} {"variant".PadRight(vw)} {"p50 us",9} {"p99 us",9} {"x base",7} {"trans/s",10} {"cpu/req us",10} {"x base",7}");
            foreach (var path in r.Summary.Where(x => x.Workload == workload).Select(x => x.Path).Distinct())
            {
                var baseLatency = Get(rows, r.Baseline, workload, path, "latency");
                var baseCpu = Get(rows, r.Baseline, workload, path, "cpu_per_request");
                foreach (var v in variants)
                {
                    var lat = Get(rows, v, workload, path, "latency");
                    var tps = Get(rows, v, workload, path, "throughput");
                    var cpu = Get(rows, v, workload, path, "cpu_per_request");
                    if (lat is null && tps is null)
                    {
                        continue;
                    }

                    o.WriteLine(string.Create(inv,
                        $"  {path,-15} {v.PadRight(vw)} {Num(lat?.P50),9} {Num(lat?.P99),9} {Ratio(lat?.P50, baseLatency?.P50),7} {Num(tps?.Mean, "F0"),10} {Num(cpu?.Mean),10} {Ratio(cpu?.Mean, baseCpu?.Mean),7}"));
                }
            }
        }

        WriteVerdict(o, r);
        WriteFailures(o, r);
    }

    /// <summary>Paths on which a variant failed (refused, reset, timed out, lost, retransmission timeouts): what p50 and p99 do not show.</summary>
    private static void WriteFailures(TextWriter o, ResultSet r)
    {
        var failures = FailureVerdict.Of(r);
        if (failures.Count == 0)
        {
            return;
        }

        o.WriteLine();
        o.WriteLine("Failures (per replication; a few slow or failed connections move neither p50 nor p99: timeseries.csv has them over time):");
        foreach (var f in failures)
        {
            o.WriteLine($"  {f.Path} ({f.Workload}): {FailureVerdict.Sentence(f)}");
        }
    }

    /// <summary>The report's verdict in lines: per path and workload the largest difference and its stages, largest first.</summary>
    private static void WriteVerdict(TextWriter o, ResultSet r)
    {
        var verdicts = Verdict.Of(r);
        if (verdicts.Count == 0)
        {
            return;
        }

        o.WriteLine();
        // One line per path, at its workload with the largest difference (the report lists every workload).
        // The CPU is the kernel's unless a variant's packets pass a user-space program (Weave's sleeve): say whose it is.
        string cpu = verdicts.Any(v => v.UserSpaceDifference is not null) ? "kernel and user-space CPU" : "kernel CPU";
        o.WriteLine($"Verdict (per path, the costliest variant against the cheapest by {cpu}; the widest difference, in CPU or latency, first; report.html has every workload):");
        var differing = verdicts.Where(v => !v.NoDifference).GroupBy(v => v.Path).Select(g => g.First()).ToList();
        foreach (var v in differing)
        {
            o.WriteLine($"  {v.Path} ({v.Workload}): {Verdict.Sentence(v)}");
        }

        var same = verdicts.Where(v => v.NoDifference && differing.All(d => d.Path != v.Path)).GroupBy(v => v.Path).Select(g => g.Key).ToList();
        if (same.Count > 0)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  no difference (within {Verdict.Negligible * 100:0.#}%): {string.Join("; ", same)}"));
        }
    }

    /// <summary>A stream has no transactions: its goodput and the kernel CPU per byte it delivered.</summary>
    private static void Stream(TextWriter o, ResultSet r, ILookup<(string, string, string), SummaryRow> rows, List<string> variants, int vw, string workload, string test)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"{workload}: {test}; ratios to {r.Baseline}");
        o.WriteLine($"  {"path",-15} {"variant".PadRight(vw)} {"Mbit/s",10} {"x base",7} {"cpu ns/B",9} {"x base",7}");
        foreach (var path in r.Summary.Where(x => x.Workload == workload).Select(x => x.Path).Distinct())
        {
            var baseGoodput = Get(rows, r.Baseline, workload, path, "goodput");
            var baseCpu = Get(rows, r.Baseline, workload, path, "cpu_per_byte");
            foreach (var v in variants)
            {
                var goodput = Get(rows, v, workload, path, "goodput");
                var cpu = Get(rows, v, workload, path, "cpu_per_byte");
                if (goodput is null)
                {
                    continue;
                }

                o.WriteLine(string.Create(inv,
                    $"  {path,-15} {v.PadRight(vw)} {Num(goodput.Mean, "F0"),10} {Ratio(goodput.Mean, baseGoodput?.Mean),7} {Num(cpu?.Mean, "F3"),9} {Ratio(cpu?.Mean, baseCpu?.Mean),7}"));
            }
        }
    }

    private static void WriteBgp(TextWriter o, ResultSet r)
    {
        if (r.Bgp.Count == 0)
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        var first = r.Bgp[0];
        o.WriteLine();
        o.WriteLine(string.Create(inv, $"BGP: hold {first.HoldSeconds:0.#} s, keepalive {first.KeepaliveSeconds:0.#} s; times in ms from start, from the failure, from the join"));
        o.WriteLine($"  {"variant",-22} {"sessions",8} {"converged",10} {"UPDATEs",8} {"withdrawn first",15} {"last",9} {"peers",7} {"join seen",10}");
        foreach (var b in r.Bgp)
        {
            o.WriteLine(string.Create(inv,
                $"  {b.Variant + (b.Replication > 0 ? $" #{b.Replication + 1}" : ""),-22} {b.Sessions,8} {Num(b.InitialConvergenceMs, "F0"),10} {b.InitialUpdates,8} {Num(b.WithdrawnFirstMs, "F0"),15} {Num(b.WithdrawnLastMs, "F0"),9} {$"{b.PeersWithdrawn}/{b.PeersOfFailedNode}",7} {Num(b.JoinReachableFromAllMs, "F0"),10}"));
        }
    }

    private static SummaryRow? Get(ILookup<(string, string, string), SummaryRow> rows, string v, string w, string p, string metric) =>
        rows[(v, w, p)].FirstOrDefault(x => x.Metric == metric);

    private static string Num(double? v, string format = "F2") =>
        v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Ratio(double? v, double? baseline) =>
        v is { } x && baseline is { } b && b > 0 && double.IsFinite(x) ? (x / b).ToString("F3", CultureInfo.InvariantCulture) : "-";
}
