using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using NetPerf.Reporting.Plots;

namespace NetPerf.Reporting;

/// <summary>
/// One self-contained report.html: inline CSS, the SVG plots inlined, no scripts and no external references,
/// so it opens from a results folder copied anywhere. It is also well-formed XML (XHTML syntax), which lets
/// tests parse it. Every piece of text from the results is escaped.
/// </summary>
public static partial class HtmlReport
{
    public const string FileName = "report.html";

    public const string LatencyMetric = "latency";
    public const string CpuPerRequestMetric = "cpu_per_request";

    /// <summary>Writes report.html (atomically) into <paramref name="directory"/>; returns its path.</summary>
    public static string Write(ResultSet results, IReadOnlyList<RenderedPlot> plots, string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        AtomicFile.WriteAllText(path, Render(results, plots));
        return path;
    }

    public static string Render(ResultSet results, IReadOnlyList<RenderedPlot> plots)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(plots);
        var index = new ResultIndex(results);
        IReadOnlyDictionary<string, string> slugs = index.PathSlugs();
        var html = new StringBuilder(64 * 1024);
        bool partial = results.Partial || results.Summary.Any(r => r.Partial);

        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
            .Append("<title>NetPerf: ").Append(E(results.Scenario)).Append("</title>\n")
            .Append("<style>").Append(Css).Append("</style>\n</head>\n<body>\n");

        html.Append("<h1>NetPerf: ").Append(E(results.Scenario)).Append("</h1>\n");
        if (results.Description.Length > 0)
            html.Append("<p class=\"description\">").Append(E(results.Description)).Append("</p>\n");
        if (partial)
        {
            html.Append("<p class=\"banner\" role=\"alert\"><strong>Partial run.</strong> The run was stopped before ")
                .Append("every variant finished: rows marked <em>partial</em> cover a shorter measured window, ")
                .Append("and variants that never started are missing.</p>\n");
        }
        if (plots.Count > 0 && !ResultPlots.FontsAvailable)
        {
            html.Append("<p class=\"banner\">No fonts were found on the machine that drew the plots, so they carry ")
                .Append("no labels (on Debian: <code>apt-get install fonts-dejavu-core</code>).</p>\n");
        }
        if (index.Paths.Count == 0 && results.Bgp.Count > 0)
        {
            // A BGP-only run has no paths and no ratios: say what it has, not "0 variant(s) on 0 path(s)".
            html.Append("<p class=\"meta\">BGP convergence: ")
                .Append(results.Bgp.Select(b => b.Variant).Distinct().Count().ToString(CultureInfo.InvariantCulture)).Append(" variant(s), ")
                .Append(results.Bgp.Count.ToString(CultureInfo.InvariantCulture)).Append(" simulation(s).</p>\n");
        }
        else
        {
            html.Append("<p class=\"meta\">Baseline for ratios: <strong>").Append(E(results.Baseline)).Append("</strong>. ")
                .Append(index.Variants.Count.ToString(CultureInfo.InvariantCulture)).Append(" variant(s) on ")
                .Append(index.Paths.Count.ToString(CultureInfo.InvariantCulture)).Append(" path(s).</p>\n");
        }

        IReadOnlyList<PathVerdict> verdicts = Verdict.Of(results);
        IReadOnlyList<string> paths = Verdict.PathOrder(results, verdicts); // largest differences first, not run order
        AppendVerdict(html, verdicts, slugs);
        AppendFailures(html, FailureVerdict.Of(results), slugs);
        AppendConstantColumns(html, index);

        if (index.Paths.Count > 0)
        {
            html.Append("<nav><ul>\n");
            foreach (string path in paths)
                html.Append("<li><a href=\"#path-").Append(slugs[path]).Append("\">").Append(E(path)).Append("</a></li>\n");
            if (plots.Any(p => p.Kind == PlotKind.Throughput))
                html.Append("<li><a href=\"#throughput\">throughput</a></li>\n");
            html.Append("<li><a href=\"#all-rows\">all summary rows</a></li>\n</ul></nav>\n");
        }

        foreach (string path in paths)
        {
            html.Append("<section id=\"path-").Append(slugs[path]).Append("\">\n<h2>").Append(E(path)).Append("</h2>\n");
            AppendPathTable(html, index, path);
            foreach (RenderedPlot plot in plots.Where(p => p.Path == path))
                AppendFigure(html, plot);
            AppendCpuTable(html, index, path);
            html.Append("</section>\n");
        }

        foreach (RenderedPlot plot in plots.Where(p => p.Kind == PlotKind.Throughput))
        {
            html.Append("<section id=\"throughput\">\n<h2>Throughput</h2>\n");
            AppendFigure(html, plot);
            html.Append("</section>\n");
        }

        AppendTimeline(html, results, plots);
        AppendBgp(html, results);
        AppendAllRows(html, results);
        html.Append("<footer>Written by NetPerf from ").Append(CsvResults.SummaryFile).Append(" and ")
            .Append(CsvResults.CpuFile).Append(", which hold every figure here at full precision.</footer>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Per path and workload, the costliest variant against the cheapest and the stages behind it; identical paths in one line.</summary>
    private static void AppendVerdict(StringBuilder html, IReadOnlyList<PathVerdict> verdicts, IReadOnlyDictionary<string, string> slugs)
    {
        if (verdicts.Count == 0)
            return;
        html.Append("<section id=\"verdict\">\n<h2>Verdict</h2>\n");
        List<PathVerdict> differing = verdicts.Where(v => !v.NoDifference).ToList();
        if (differing.Count > 0)
        {
            // The CPU is the kernel's unless a variant's packets pass a user-space program (Weave's sleeve): then both.
            string cpu = differing.Any(v => v.UserSpaceDifference is not null) ? "kernel and user-space CPU" : "kernel CPU";
            html.Append("<table class=\"verdict\">\n<thead><tr><th>path</th><th>workload</th><th>costliest</th><th>cheapest</th>")
                .Append("<th>").Append(cpu).Append("</th><th>p50 latency (goodput for streams)</th><th>difference</th><th>largest stage differences</th></tr></thead>\n<tbody>\n");
            foreach (PathVerdict v in differing)
            {
                string unit = v.PerByte ? " ns/B" : " µs";
                html.Append("<tr><th scope=\"row\"><a href=\"#path-").Append(slugs[v.Path]).Append("\">").Append(E(v.Path)).Append("</a></th><td>")
                    .Append(E(v.Workload)).Append("</td><td>").Append(E(v.Costliest)).Append("</td><td>").Append(E(v.Cheapest)).Append("</td>");
                Cell(html, v.CpuRatio.ToString("0.00", CultureInfo.InvariantCulture) + "×");
                Cell(html, v.OtherRatio is double r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "");
                Cell(html, "+" + Number(v.Difference) + unit + (v.UserSpaceDifference is double u ? $" (user space {(u >= 0 ? "+" : "")}{Number(u)}{unit})" : ""));
                html.Append("<td>").Append(E(string.Join(", ", v.Causes.Select(c =>
                    $"{c.Stage} ({c.Layer}) {(c.Nanoseconds >= 0 ? "+" : "")}{Number(v.PerByte ? c.Nanoseconds : c.Nanoseconds / 1000)}{unit}")))).Append("</td></tr>\n");
            }
            html.Append("</tbody>\n</table>\n<p class=\"meta\">Costliest and cheapest by ").Append(cpu).Append(" per request (per byte for streams), ")
                .Append("summed over every node; the stages are where their cost differs most (cpu.csv holds every stage).</p>\n");
        }
        List<PathVerdict> same = verdicts.Where(v => v.NoDifference).ToList();
        if (same.Count > 0)
        {
            html.Append("<p>No difference between the variants (within ")
                .Append((Verdict.Negligible * 100).ToString("0.#", CultureInfo.InvariantCulture)).Append("%) on: ")
                .Append(E(string.Join("; ", same.GroupBy(v => v.Path).Select(g => $"{g.Key} ({string.Join(", ", g.Select(v => v.Workload))})"))))
                .Append(".</p>\n");
        }
        html.Append("</section>\n");
    }

    /// <summary>Paths on which a variant failed: every variant's failures per replication and its throughput, beside the verdict that prices CPU alone.</summary>
    private static void AppendFailures(StringBuilder html, IReadOnlyList<PathFailures> failures, IReadOnlyDictionary<string, string> slugs)
    {
        if (failures.Count == 0)
            return;
        html.Append("<section id=\"failures\">\n<h2>Failures</h2>\n<table class=\"verdict\">\n<thead><tr><th>path</th><th>workload</th><th>variant</th>")
            .Append("<th>failures per replication</th><th>transactions/s</th></tr></thead>\n<tbody>\n");
        foreach (PathFailures p in failures)
        {
            foreach (VariantFailures v in p.Variants)
            {
                html.Append("<tr><th scope=\"row\"><a href=\"#path-").Append(slugs[p.Path]).Append("\">").Append(E(p.Path)).Append("</a></th><td>")
                    .Append(E(p.Workload)).Append("</td><td>").Append(E(v.Variant)).Append("</td><td>")
                    .Append(E(v.Failures.Count == 0 ? "none" : string.Join(", ", v.Failures.Select(f => $"{Number(f.PerReplication)} {f.Kind}")))).Append("</td>");
                Cell(html, v.TransactionsPerSecond is double t && double.IsFinite(t) ? Number(t) : "");
                html.Append("</tr>\n");
            }
        }
        html.Append("</tbody>\n</table>\n<p class=\"meta\">A few connections that failed or waited for a retransmission move neither p50 nor p99; ")
            .Append("the timeline section and timeseries.csv show when they happened.</p>\n</section>\n");
    }

    /// <summary>A CNI or kube-proxy mode that every variant shares is said once here rather than in a column per row.</summary>
    private static void AppendConstantColumns(StringBuilder html, ResultIndex index)
    {
        if (index.Variants.Count == 0)
            return;
        var shared = new List<string>();
        if (index.Variants.Select(index.CniOf).Distinct().Count() == 1)
            shared.Add("CNI " + index.CniOf(index.Variants[0]));
        if (index.Variants.Select(index.KubeProxyOf).Distinct().Count() == 1)
            shared.Add("kube-proxy " + index.KubeProxyOf(index.Variants[0]));
        if (shared.Count > 0)
            html.Append("<p class=\"meta\">Every variant: ").Append(E(string.Join(", ", shared))).Append(".</p>\n");
    }

    /// <summary>
    /// Whether the variants table needs a CNI and a kube-proxy column: only when the value differs between
    /// variants and a variant's name does not already say it ("flannel-vxlan" needs no CNI column beside it).
    /// </summary>
    internal static (bool Cni, bool KubeProxy) InformativeColumns(ResultIndex index)
    {
        bool Needed(Func<string, string> of) =>
            index.Variants.Select(of).Distinct().Count() > 1
            && index.Variants.Any(v => !v.Split('/').Contains(of(v), StringComparer.Ordinal));
        return (Needed(index.CniOf), Needed(index.KubeProxyOf));
    }

    private static void AppendPathTable(StringBuilder html, ResultIndex index, string path)
    {
        IReadOnlyList<SeriesKey> series = index.Series(path);
        string throughputUnit = index.Results.Summary
            .FirstOrDefault(r => r.Path == path && r.Metric == ResultPlots.ThroughputMetric)?.Unit ?? "1/s";
        (bool cniColumn, bool proxyColumn) = InformativeColumns(index);
        html.Append("<table class=\"variants\">\n<thead><tr><th>variant</th>")
            .Append(cniColumn ? "<th>CNI</th>" : "").Append(proxyColumn ? "<th>kube-proxy</th>" : "")
            .Append("<th>workload</th><th>p50 latency (µs)</th><th>p99 latency (µs)</th><th>throughput (")
            .Append(E(throughputUnit)).Append(")</th><th>CPU per request (µs)</th>")
            .Append("<th>p50 vs baseline</th><th>p99 vs baseline</th><th>throughput vs baseline</th>")
            .Append("<th>CPU vs baseline</th></tr></thead>\n<tbody>\n");
        IReadOnlyList<SeriesKey> streams = series.Where(k => IsStream(index, path, k)).ToList();
        foreach (SeriesKey key in series.Except(streams))
        {
            Figures figures = FiguresOf(index, path, key);
            Figures? baseline = series.Contains(new SeriesKey(index.Results.Baseline, key.Workload))
                ? FiguresOf(index, path, new SeriesKey(index.Results.Baseline, key.Workload))
                : null;
            bool isBaseline = key.Variant == index.Results.Baseline;
            html.Append(figures.Partial ? "<tr class=\"partial\">" : isBaseline ? "<tr class=\"baseline\">" : "<tr>")
                .Append("<th scope=\"row\">").Append(E(key.Variant));
            if (isBaseline)
                html.Append(" <span class=\"tag\">baseline</span>");
            if (figures.Partial)
                html.Append(" <span class=\"tag\">partial</span>");
            html.Append("</th>");
            if (cniColumn)
                html.Append("<td>").Append(E(index.CniOf(key.Variant))).Append("</td>");
            if (proxyColumn)
                html.Append("<td>").Append(E(index.KubeProxyOf(key.Variant))).Append("</td>");
            html.Append("<td>").Append(E(key.Workload)).Append("</td>");
            Cell(html, Number(figures.P50));
            Cell(html, Number(figures.P99));
            Cell(html, Number(figures.Throughput));
            Cell(html, Number(figures.CpuMicroseconds));
            Cell(html, Ratio(figures.P50, baseline?.P50));
            Cell(html, Ratio(figures.P99, baseline?.P99));
            Cell(html, Ratio(figures.Throughput, baseline?.Throughput));
            Cell(html, Ratio(figures.CpuMicroseconds, baseline?.CpuMicroseconds));
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
        if (streams.Count > 0)
            AppendStreamTable(html, index, path, streams);
    }

    /// <summary>Streams have no requests: a table of their goodput and kernel CPU per byte delivered.</summary>
    private static void AppendStreamTable(StringBuilder html, ResultIndex index, string path, IReadOnlyList<SeriesKey> streams)
    {
        (bool cniColumn, bool proxyColumn) = InformativeColumns(index);
        html.Append("<table class=\"variants\">\n<thead><tr><th>variant</th>")
            .Append(cniColumn ? "<th>CNI</th>" : "").Append(proxyColumn ? "<th>kube-proxy</th>" : "").Append("<th>stream</th>")
            .Append("<th>goodput (Mbit/s)</th><th>CPU per byte (ns/B)</th><th>goodput vs baseline</th><th>CPU vs baseline</th></tr></thead>\n<tbody>\n");
        foreach (SeriesKey key in streams)
        {
            double? goodput = index.Find(path, key, "goodput")?.Mean;
            double? perByte = index.Find(path, key, "cpu_per_byte")?.Mean;
            var baseKey = new SeriesKey(index.Results.Baseline, key.Workload);
            double? baseGoodput = index.Find(path, baseKey, "goodput")?.Mean;
            double? basePerByte = index.Find(path, baseKey, "cpu_per_byte")?.Mean;
            html.Append(key.Variant == index.Results.Baseline ? "<tr class=\"baseline\">" : "<tr>")
                .Append("<th scope=\"row\">").Append(E(key.Variant)).Append("</th>");
            if (cniColumn)
                html.Append("<td>").Append(E(index.CniOf(key.Variant))).Append("</td>");
            if (proxyColumn)
                html.Append("<td>").Append(E(index.KubeProxyOf(key.Variant))).Append("</td>");
            html.Append("<td>").Append(E(key.Workload)).Append("</td>");
            Cell(html, Number(goodput));
            Cell(html, Number(perByte));
            Cell(html, Ratio(goodput, baseGoodput));
            Cell(html, Ratio(perByte, basePerByte));
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    private static bool IsStream(ResultIndex index, string path, SeriesKey key) =>
        index.Results.Summary.Any(r => r.Path == path && r.Variant == key.Variant && r.Workload == key.Workload && r.Test.EndsWith("STREAM", StringComparison.Ordinal));

    private static void AppendCpuTable(StringBuilder html, ResultIndex index, string path)
    {
        List<CpuRow> rows = index.Results.Cpu.Where(r => r.Path == path).ToList();
        if (rows.Count == 0)
            return;
        List<SeriesKey> series = index.Series(path)
            .Where(s => rows.Any(r => r.Variant == s.Variant && r.Workload == s.Workload)).ToList();
        var nodeStages = new List<(string Node, string Stage)>();
        foreach (CpuRow r in rows)
        {
            if (!nodeStages.Contains((r.Node, r.Stage)))
                nodeStages.Add((r.Node, r.Stage));
        }
        // Nodes together (in the order first seen), stages within a node in the order the kernel runs them.
        List<string> nodes = nodeStages.Select(ns => ns.Node).Distinct().ToList();
        List<string> stages = index.Stages.ToList();
        nodeStages = nodeStages
            .OrderBy(ns => nodes.IndexOf(ns.Node))
            .ThenBy(ns => stages.IndexOf(ns.Stage))
            .ToList();

        // A user-space stage (Weave's weaver) is named as such: its CPU is not the kernel's.
        bool userSpace = rows.Any(r => StageColours.IsUserSpace(r.Stage));
        html.Append(userSpace ? "<h3>Kernel and user-space CPU by node and stage (ns per request)</h3>\n" : "<h3>Kernel CPU by node and stage (ns per request)</h3>\n")
            .Append("<table class=\"cpu\">\n<thead><tr>")
            .Append("<th>node</th><th>stage</th>");
        foreach (SeriesKey key in series)
            html.Append("<th>").Append(E(index.Label(path, key))).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach ((string node, string stage) in nodeStages)
        {
            html.Append("<tr><td>").Append(E(node)).Append("</td><td>").Append(E(StageColours.IsUserSpace(stage) ? stage + " (user space)" : stage)).Append("</td>");
            foreach (SeriesKey key in series)
            {
                CpuRow? row = rows.FirstOrDefault(r =>
                    r.Variant == key.Variant && r.Workload == key.Workload && r.Node == node && r.Stage == stage);
                Cell(html, row is null ? "" : Number(row.NanosecondsPerRequest));
            }
            html.Append("</tr>\n");
        }
        html.Append("<tr class=\"total\"><th scope=\"row\" colspan=\"2\">total</th>");
        foreach (SeriesKey key in series)
        {
            double total = rows.Where(r => r.Variant == key.Variant && r.Workload == key.Workload)
                .Sum(r => r.NanosecondsPerRequest);
            Cell(html, Number(total));
        }
        html.Append("</tr>\n</tbody>\n</table>\n");
    }

    /// <summary>
    /// A scenario with a timeline: the throughput over time (its entries marked) and, per variant, what the
    /// timeline did and what followed, from timeline.csv (the first replication of each variant's first path).
    /// </summary>
    private static void AppendTimeline(StringBuilder html, ResultSet results, IReadOnlyList<RenderedPlot> plots)
    {
        if (results.Timeline.Count == 0)
            return;
        html.Append("<section id=\"timeline\">\n<h2>Timeline</h2>\n");
        foreach (RenderedPlot plot in plots.Where(p => p.Kind == PlotKind.Timeseries))
            AppendFigure(html, plot);
        foreach (var run in results.Timeline.GroupBy(e => (e.Variant, e.Path, e.Workload, e.Replication)).GroupBy(g => g.Key.Variant).Select(v => v.First()))
        {
            html.Append("<h3>").Append(E(run.Key.Variant)).Append(" (").Append(E(run.Key.Path)).Append(", ").Append(E(run.Key.Workload)).Append(")</h3>\n<table>\n<thead><tr>");
            foreach (string column in (string[])["ms after warm-up", "event", "object"])
                html.Append("<th>").Append(E(column)).Append("</th>");
            html.Append("</tr></thead>\n<tbody>\n");
            foreach (TimelineRow e in run)
            {
                html.Append("<tr>");
                Cell(html, Number(e.AtMilliseconds));
                html.Append("<td>").Append(E(e.Event)).Append("</td><td>").Append(E(e.Object)).Append("</td></tr>\n");
            }
            html.Append("</tbody>\n</table>\n");
        }
        html.Append("</section>\n");
    }

    private static void AppendBgp(StringBuilder html, ResultSet results)
    {
        if (results.Bgp.Count == 0)
            return;
        html.Append("<section id=\"bgp\">\n<h2>BGP convergence</h2>\n<table>\n<thead><tr>");
        foreach (string column in (string[])["variant", "run", "sessions", "initial convergence ms", "initial UPDATEs",
                     "initial bytes", "withdrawn first ms", "withdrawn last ms", "peers withdrawn", "join reachable ms"])
            html.Append("<th>").Append(E(column)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (BgpRow r in results.Bgp)
        {
            html.Append("<tr><td>").Append(E(r.Variant)).Append("</td>");
            Cell(html, (r.Replication + 1).ToString(CultureInfo.InvariantCulture));
            Cell(html, r.Sessions.ToString("N0", CultureInfo.InvariantCulture));
            Cell(html, Number(r.InitialConvergenceMs));
            Cell(html, r.InitialUpdates.ToString("N0", CultureInfo.InvariantCulture));
            Cell(html, r.InitialBytes.ToString("N0", CultureInfo.InvariantCulture));
            Cell(html, Number(r.WithdrawnFirstMs));
            Cell(html, Number(r.WithdrawnLastMs));
            Cell(html, $"{r.PeersWithdrawn.ToString(CultureInfo.InvariantCulture)}/{r.PeersOfFailedNode.ToString(CultureInfo.InvariantCulture)}");
            Cell(html, Number(r.JoinReachableFromAllMs));
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void AppendAllRows(StringBuilder html, ResultSet results)
    {
        html.Append("<section id=\"all-rows\">\n<details>\n<summary>All summary rows (")
            .Append(results.Summary.Count.ToString(CultureInfo.InvariantCulture))
            .Append(")</summary>\n<table class=\"all\">\n<thead><tr>");
        foreach (string column in (string[])["variant", "path", "workload", "test", "request B", "response B",
                     "metric", "unit", "count", "mean", "±95% CI", "p50", "p90", "p99", "p99.9"])
            html.Append("<th>").Append(E(column)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (SummaryRow r in results.Summary)
        {
            html.Append(r.Partial ? "<tr class=\"partial\">" : "<tr>");
            foreach (string text in (string[])[r.Variant, r.Path, r.Workload, r.Test])
                html.Append("<td>").Append(E(text)).Append("</td>");
            Cell(html, r.RequestBytes.ToString(CultureInfo.InvariantCulture));
            Cell(html, r.ResponseBytes.ToString(CultureInfo.InvariantCulture));
            html.Append("<td>").Append(E(r.Metric)).Append("</td><td>").Append(E(r.Unit)).Append("</td>");
            Cell(html, r.Count.ToString("N0", CultureInfo.InvariantCulture));
            Cell(html, Number(r.Mean));
            Cell(html, Number(r.Ci95));
            Cell(html, Number(r.P50));
            Cell(html, Number(r.P90));
            Cell(html, Number(r.P99));
            Cell(html, Number(r.P999));
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n</details>\n</section>\n");
    }

    private static void AppendFigure(StringBuilder html, RenderedPlot plot)
    {
        html.Append("<figure>\n").Append(InlineSvg(plot.Svg, plot.Title)).Append("\n<figcaption>")
            .Append(E(plot.Title)).Append(" (").Append(E(plot.FileStem)).Append(".svg, .png)</figcaption>\n</figure>\n");
    }

    /// <summary>
    /// A standalone SVG made fit for inlining: no XML declaration, no namespace declarations (the HTML parser
    /// puts &lt;svg&gt; in the SVG namespace itself, and the report then names no URL at all), a viewBox so CSS
    /// can scale it, and a label for screen readers.
    /// </summary>
    internal static string InlineSvg(string svg, string title)
    {
        string body = XmlDeclaration().Replace(svg, "");
        body = NamespaceDeclaration().Replace(body, "");
        Match root = SvgRoot().Match(body);
        if (!root.Success)
            throw new ArgumentException("The plot is not an SVG document.", nameof(svg));
        string width = root.Groups["w"].Value, height = root.Groups["h"].Value;
        string replacement = $"<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{E(title)}\"";
        return string.Concat(body.AsSpan(0, root.Index), replacement, body.AsSpan(root.Index + root.Length)).Trim();
    }

    private readonly record struct Figures(double? P50, double? P99, double? Throughput, double? CpuMicroseconds, bool Partial);

    private static Figures FiguresOf(ResultIndex index, string path, SeriesKey key)
    {
        SummaryRow? latency = index.Find(path, key, LatencyMetric);
        SummaryRow? throughput = index.Find(path, key, ResultPlots.ThroughputMetric);
        SummaryRow? cpu = index.Find(path, key, CpuPerRequestMetric);
        double? cpuMicroseconds = cpu?.Mean;
        if (cpuMicroseconds is null)
        {
            // No summary row for it: the stages' sum, which is what the summary row would say.
            var stages = index.Results.Cpu.Where(r => r.Path == path && r.Variant == key.Variant && r.Workload == key.Workload).ToList();
            if (stages.Count > 0)
                cpuMicroseconds = stages.Sum(r => r.NanosecondsPerRequest) / 1000;
        }
        bool partial = index.Results.Summary.Any(r =>
            r.Partial && r.Path == path && r.Variant == key.Variant && r.Workload == key.Workload);
        return new Figures(latency?.P50, latency?.P99, throughput?.Mean, cpuMicroseconds, partial);
    }

    private static void Cell(StringBuilder html, string text) =>
        html.Append("<td class=\"num\">").Append(E(text)).Append("</td>");

    /// <summary>Four significant figures, thousands separated, invariant culture; "" for a missing figure.</summary>
    internal static string Number(double? value)
    {
        if (value is not double v)
            return "";
        if (double.IsNaN(v))
            return "n/a"; // not applicable: CPU per request of a stream, which has no requests
        if (!double.IsFinite(v))
            return v.ToString(CultureInfo.InvariantCulture);
        double magnitude = Math.Abs(v);
        if (magnitude >= 1000)
            return v.ToString("N0", CultureInfo.InvariantCulture);
        if (magnitude == 0)
            return "0";
        int decimals = Math.Clamp(3 - (int)Math.Floor(Math.Log10(magnitude)), 0, 6);
        return Math.Round(v, decimals).ToString("0.######", CultureInfo.InvariantCulture);
    }

    internal static string Ratio(double? value, double? baseline) =>
        value is double v && baseline is double b && b != 0 && double.IsFinite(v / b)
            ? (v / b).ToString("0.00", CultureInfo.InvariantCulture) + "×"
            : "";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    [GeneratedRegex(@"^\s*<\?xml[^>]*\?>\s*")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex(@"\s+xmlns(:\w+)?=""[^""]*""")]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"<svg\s+width=""(?<w>[0-9.]+)""\s+height=""(?<h>[0-9.]+)""")]
    private static partial Regex SvgRoot();

    private const string Css = """

        body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1b1b; }
        h1 { font-size: 1.6rem; margin-bottom: .2rem; }
        h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
        h3 { font-size: 1.05rem; }
        .description { font-size: 1.05rem; color: #333; }
        .meta { color: #555; }
        .banner { background: #fff3cd; border: 1px solid #e0c060; padding: .6rem .8rem; border-radius: 4px; }
        nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; }
        table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; }
        th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; }
        thead th { background: #f3f3f3; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.baseline { background: #eef5ff; }
        tr.partial { background: #fff8e1; }
        tr.total { font-weight: bold; }
        .tag { font-size: .75rem; font-weight: normal; background: #ddd; border-radius: 3px; padding: 0 .3rem; }
        figure { margin: 1rem 0; }
        figure svg { max-width: 100%; height: auto; }
        figcaption { color: #555; font-size: .85rem; }
        footer { margin-top: 3rem; color: #777; font-size: .8rem; }

        """;
}
