using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace NetPerf.Reporting.Plots;

/// <summary>
/// The run's plots, each as PNG and SVG: per path a latency CDF (one line per variant, coloured by CNI) and the
/// kernel CPU per request as stacked bars by stage (one bar per variant); across paths the throughput as grouped
/// bars. SVG output is byte-identical for identical results (clip ids are renumbered, see
/// <see cref="PlotStyle.NormaliseSvg"/>).
/// </summary>
public static class ResultPlots
{
    /// <summary>The metric the throughput plot draws (transactions or datagrams per second).</summary>
    public const string ThroughputMetric = "throughput";

    /// <summary>False when the machine has no fonts at all: plots then carry no text (install fonts-dejavu-core).</summary>
    public static bool FontsAvailable => PlotStyle.FontsAvailable;

    /// <summary>Draws every plot of <paramref name="results"/> in memory; latency CDFs on <paramref name="cdfAxis"/>.</summary>
    public static IReadOnlyList<RenderedPlot> Render(ResultSet results, CdfAxis cdfAxis = CdfAxis.Percentile)
    {
        ArgumentNullException.ThrowIfNull(results);
        var index = new ResultIndex(results);
        IReadOnlyDictionary<string, string> slugs = index.PathSlugs();
        IReadOnlyDictionary<string, Color> cniColours = PlotStyle.CniColours(index.Cnis, results.CniColours);
        var plots = new List<RenderedPlot>();
        foreach (string path in index.Paths)
        {
            string slug = slugs[path];
            if (results.Cdfs.Any(c => c.Path == path && c.Points.Count > 0))
            {
                plots.Add(Draw($"latency-cdf-{slug}", $"Latency CDF: {path}", path, PlotKind.LatencyCdf,
                    plot => LatencyCdf(plot, index, path, cniColours, cdfAxis)));
            }
            if (results.Cpu.Any(c => c.Path == path && double.IsFinite(c.NanosecondsPerRequest) && c.NanosecondsPerRequest > 0))
            {
                // Named for whose CPU it is: a user-space stage (Weave's weaver) is not the kernel's.
                string cpu = results.Cpu.Any(c => c.Path == path && StageColours.IsUserSpace(c.Stage)) ? "Kernel and user-space CPU" : "Kernel CPU";
                plots.Add(Draw($"cpu-{slug}", $"{cpu} per request by stage: {path}", path, PlotKind.CpuByStage,
                    plot => CpuByStage(plot, index, path)));
            }
        }
        if (results.Summary.Any(r => r.Metric == ThroughputMetric))
        {
            plots.Add(Draw("throughput", "Throughput by path", null, PlotKind.Throughput,
                plot => Throughput(plot, index, cniColours)));
        }
        foreach (string workload in results.Timeseries.Select(t => t.Workload).Distinct())
        {
            plots.Add(Draw($"timeseries-{Slug(workload)}", $"Throughput over time: {workload}", null, PlotKind.Timeseries,
                plot => Timeseries(plot, results, workload)));
        }

        return plots;
    }

    private static string Slug(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-'));

    /// <summary>
    /// A workload's throughput per interval (a stream's goodput), a line per variant and path (the first replication), and a marker on
    /// every interval in which a host dropped packets, sized by nothing: where, not how many (timeseries.csv has it).
    /// </summary>
    private static void Timeseries(Plot plot, ResultSet results, string workload)
    {
        var rows = results.Timeseries.Where(t => t.Workload == workload).ToList();
        int replication = rows.Min(t => t.Replication);
        // A stream completes no transactions: its rate over time is its goodput.
        bool stream = rows.All(t => t.Transactions == 0) && rows.Any(t => t.GoodputMbps > 0);
        Func<TimeseriesRow, double> rate = stream ? t => t.GoodputMbps : t => t.ThroughputPerSecond;
        // Past ten lines (a compare of plugins x paths passes it easily) twenty colours before one repeats; each
        // marker kind is named once in the legend: its colour is its line's.
        if (rows.Where(t => t.Replication == replication).Select(t => (t.Variant, t.Path)).Distinct().Count() > 10)
        {
            plot.Add.Palette = new ScottPlot.Palettes.Category20();
        }
        bool dropsNamed = false, failuresNamed = false;
        foreach (var group in rows.Where(t => t.Replication == replication).GroupBy(t => (t.Variant, t.Path)))
        {
            var points = group.OrderBy(t => t.StartMilliseconds).ToList();
            double[] x = points.Select(t => t.StartMilliseconds + t.IntervalMilliseconds / 2).ToArray();
            double[] y = points.Select(rate).ToArray();
            var line = plot.Add.ScatterLine(x, y);
            line.LineWidth = 2;
            line.LegendText = $"{group.Key.Variant} {group.Key.Path}";
            var dropped = points.Where(t => t.Drops.Any(d => d.Count > 0)).ToList();
            if (dropped.Count > 0)
            {
                var marks = plot.Add.ScatterPoints(
                    dropped.Select(t => t.StartMilliseconds + t.IntervalMilliseconds / 2).ToArray(),
                    dropped.Select(rate).ToArray(), line.Color);
                marks.MarkerShape = MarkerShape.OpenTriangleDown;
                marks.MarkerSize = 12;
                marks.LegendText = dropsNamed ? "" : "an interval with drops (in its line's colour)";
                dropsNamed = true;
            }

            var failed = points.Where(t => t.Refused + t.Reset + t.TimedOut > 0).ToList();
            if (failed.Count > 0)
            {
                var marks = plot.Add.ScatterPoints(
                    failed.Select(t => t.StartMilliseconds + t.IntervalMilliseconds / 2).ToArray(),
                    failed.Select(rate).ToArray(), line.Color);
                marks.MarkerShape = MarkerShape.Cross;
                marks.MarkerSize = 8;
                marks.LegendText = failuresNamed ? "" : "connections refused, reset or timed out";
                failuresNamed = true;
            }
        }

        // The timeline's own entries (the same in every variant): a dashed line at each, labelled with what it did.
        var first = results.Timeline.Where(e => e.Workload == workload && e.Replication == replication).GroupBy(e => (e.Variant, e.Path)).FirstOrDefault();
        foreach (var action in first?.Where(e => TimelineRow.Actions.Contains(e.Event)) ?? [])
        {
            var mark = plot.Add.VerticalLine(action.AtMilliseconds);
            mark.LinePattern = LinePattern.Dashed;
            mark.LineWidth = 1;
            mark.Color = Colors.Gray;
            mark.LabelText = $"{action.Event} {action.Object}";
        }

        plot.XLabel("time after warm-up (ms)");
        plot.YLabel(stream ? "goodput (Mbit/s)" : "throughput (1/s)");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Edge.Right); // beside the data, not over it: a timeline's lines fill the plot's whole width
    }

    /// <summary>Draws and writes every plot (atomically) as PNG and SVG; returns the paths written.</summary>
    public static IReadOnlyList<string> Write(ResultSet results, string directory, CdfAxis cdfAxis = CdfAxis.Percentile) =>
        Write(Render(results, cdfAxis), directory);

    public static IReadOnlyList<string> Write(IReadOnlyList<RenderedPlot> plots, string directory)
    {
        ArgumentNullException.ThrowIfNull(plots);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var written = new List<string>(plots.Count * 2);
        foreach (RenderedPlot plot in plots)
        {
            string png = System.IO.Path.Combine(directory, plot.FileStem + ".png");
            AtomicFile.WriteAllBytes(png, plot.Png);
            written.Add(png);
            string svg = System.IO.Path.Combine(directory, plot.FileStem + ".svg");
            AtomicFile.WriteAllText(svg, plot.Svg);
            written.Add(svg);
        }
        return written;
    }

    private static RenderedPlot Draw(string stem, string title, string? path, PlotKind kind, Action<Plot> draw)
    {
        using var plot = new Plot(); // holds Skia surfaces and typefaces
        draw(plot);
        plot.Title(title);
        PlotStyle.Apply(plot);
        // Stacked stages need room for a legend of up to ~20 stages in one column beside the bars.
        (int width, int height) = kind switch
        {
            PlotKind.CpuByStage => (PlotStyle.Width + 250, PlotStyle.Height + 150),
            PlotKind.Timeseries => (PlotStyle.Width + 300, PlotStyle.Height + 100), // room for its legend at the right
            _ => (PlotStyle.Width, PlotStyle.Height),
        };
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        string svg = PlotStyle.NormaliseSvg(plot.GetSvgXml(width, height), stem);
        return new RenderedPlot(stem, title, path, kind, png, svg);
    }

    private static void LatencyCdf(Plot plot, ResultIndex index, string path, IReadOnlyDictionary<string, Color> cniColours, CdfAxis axis)
    {
        List<LatencyCdf> cdfs = index.Results.Cdfs.Where(c => c.Path == path && c.Points.Count > 0).ToList();
        double min = double.PositiveInfinity, max = 0;
        foreach (LatencyCdf cdf in cdfs)
        {
            foreach ((double _, double us) in cdf.Points)
            {
                if (us > 0 && double.IsFinite(us))
                {
                    min = Math.Min(min, us);
                    max = Math.Max(max, us);
                }
            }
        }
        // Tails span decades under load: a log axis when the largest latency is 20x the smallest or more.
        bool log = max > 0 && max / min >= 20;

        bool tail = axis == CdfAxis.Tail;
        var seenPerCni = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (LatencyCdf cdf in cdfs)
        {
            // A variant that measured nothing can carry NaN: leave such points out rather than break the axes. On
            // the tail axis p = 100 lies at infinity and is left out too.
            var points = cdf.Points
                .Where(p => double.IsFinite(p.Percentile) && double.IsFinite(p.Microseconds) && (!log || p.Microseconds > 0) && (!tail || p.Percentile < 100))
                .ToArray();
            double[] latencies = points.Select(p => log ? Math.Log10(p.Microseconds) : p.Microseconds).ToArray();
            double[] percentiles = points.Select(p => tail ? TailPosition(p.Percentile) : p.Percentile).ToArray();
            var line = tail ? plot.Add.ScatterLine(percentiles, latencies, cniColours[cdf.Cni]) : plot.Add.ScatterLine(latencies, percentiles, cniColours[cdf.Cni]);
            int k = seenPerCni.GetValueOrDefault(cdf.Cni);
            seenPerCni[cdf.Cni] = k + 1;
            line.LinePattern = PlotStyle.Pattern(k);
            line.LineWidth = 2;
            line.LegendText = index.Label(path, new SeriesKey(cdf.Variant, cdf.Workload));
        }

        IAxis latencyAxis = tail ? plot.Axes.Left : plot.Axes.Bottom;
        if (log)
        {
            latencyAxis.TickGenerator = new NumericAutomatic
            {
                MinorTickGenerator = new LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = v => Math.Pow(10, v).ToString("0.###", CultureInfo.InvariantCulture),
            };
        }
        string latencyLabel = log ? "latency (µs, log scale)" : "latency (µs)";
        if (tail)
        {
            // Percentiles a decade of 1-p apart, equally spaced: 0, 90, 99, 99.9, 99.99.
            double[] at = [0, 1, 2, 3, 4];
            plot.Axes.Bottom.SetTicks(at, ["0", "90", "99", "99.9", "99.99"]);
            plot.XLabel("percentile (log scale of 1/(1-p))");
            plot.YLabel(latencyLabel);
            plot.Axes.SetLimitsX(0, 4.15); // room for the last label
            plot.ShowLegend(Alignment.LowerRight); // lines rise to the right: the lower right stays clear
        }
        else
        {
            plot.XLabel(latencyLabel);
            plot.YLabel("percentile");
            plot.Axes.SetLimitsY(0, 100);
            plot.ShowLegend(Alignment.LowerRight);
        }
    }

    /// <summary>Where percentile <paramref name="percentile"/> (0 to 100, exclusive) sits on the tail axis: log10(1/(1-p)).</summary>
    internal static double TailPosition(double percentile) => Math.Log10(100 / (100 - percentile));

    private static void CpuByStage(Plot plot, ResultIndex index, string path)
    {
        IReadOnlyList<SeriesKey> series = index.Series(path)
            .Where(s => index.Results.Cpu.Any(c => c.Path == path && c.Variant == s.Variant && c.Workload == s.Workload))
            .ToList();
        var bars = new List<Bar>();
        var stagesShown = new List<string>();
        // Stacked by layer (socket at the bottom), each stage in its own fixed colour: the same in every run.
        var stages = index.Stages.OrderBy(StageColours.Rank).ThenBy(st => st, StringComparer.Ordinal).ToList();
        for (int i = 0; i < series.Count; i++)
        {
            SeriesKey key = series[i];
            double baseValue = 0;
            foreach (string stage in stages)
            {
                // Every node's share of the stage, so a bar's height is the whole request's CPU (kernel, and user space where a stage is), in µs as the tables.
                double us = index.Results.Cpu
                    .Where(c => c.Path == path && c.Variant == key.Variant && c.Workload == key.Workload && c.Stage == stage)
                    .Sum(c => c.NanosecondsPerRequest) / 1000.0;
                if (!(us > 0) || !double.IsFinite(us))
                    continue;
                if (!stagesShown.Contains(stage))
                    stagesShown.Add(stage);
                bars.Add(new Bar
                {
                    Position = i,
                    ValueBase = baseValue,
                    Value = baseValue + us,
                    FillColor = StageColours.Of(stage),
                    LineWidth = 0,
                });
                baseValue += us;
            }
        }
        plot.Add.Bars(bars);
        foreach (string stage in stages.Where(stagesShown.Contains).Reverse()) // the legend reads top to bottom as the stack does
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = StageColours.IsUserSpace(stage) ? stage + " (user space)" : stage, FillColor = StageColours.Of(stage) });

        string[] labels = series.Select(k => index.Label(path, k)).ToArray();
        SetCategoryTicks(plot, Enumerable.Range(0, series.Count).Select(i => (double)i).ToArray(), labels);
        plot.YLabel(stagesShown.Any(StageColours.IsUserSpace) ? "kernel and user-space CPU per request (µs)" : "kernel CPU per request (µs)");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Edge.Right);
    }

    private static void Throughput(Plot plot, ResultIndex index, IReadOnlyDictionary<string, Color> cniColours)
    {
        List<SummaryRow> rows = index.Results.Summary.Where(r => r.Metric == ThroughputMetric).ToList();
        List<string> paths = index.Paths.Where(p => rows.Any(r => r.Path == p)).ToList();
        // One colour per variant, shared across groups: the CNI's colour, lighter for its further variants.
        var keys = new List<SeriesKey>();
        foreach (SummaryRow r in rows)
        {
            var key = new SeriesKey(r.Variant, r.Workload);
            if (!keys.Contains(key))
                keys.Add(key);
        }
        bool manyWorkloads = keys.Select(k => k.Workload).Distinct().Count() > 1;
        var colours = new Dictionary<SeriesKey, Color>();
        var seenPerCni = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (SeriesKey key in keys)
        {
            string cni = index.CniOf(key.Variant);
            int k = seenPerCni.GetValueOrDefault(cni);
            seenPerCni[cni] = k + 1;
            colours[key] = PlotStyle.Shade(cniColours[cni], k);
        }

        var bars = new List<Bar>();
        var groupCentres = new double[paths.Count];
        int slots = keys.Count + 1; // a gap between groups
        for (int g = 0; g < paths.Count; g++)
        {
            groupCentres[g] = g * slots + (keys.Count - 1) / 2.0;
            for (int i = 0; i < keys.Count; i++)
            {
                SummaryRow? row = rows.FirstOrDefault(r =>
                    r.Path == paths[g] && r.Variant == keys[i].Variant && r.Workload == keys[i].Workload);
                if (row is null || !double.IsFinite(row.Mean))
                    continue;
                bars.Add(new Bar
                {
                    Position = g * slots + i,
                    Value = row.Mean,
                    Error = row.Ci95 is double ci && double.IsFinite(ci) ? ci : 0,
                    FillColor = colours[keys[i]],
                    LineWidth = 0,
                });
            }
        }
        plot.Add.Bars(bars);
        foreach (SeriesKey key in keys)
        {
            string label = manyWorkloads ? $"{key.Variant} ({key.Workload})" : key.Variant;
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = colours[key] });
        }
        SetCategoryTicks(plot, groupCentres, paths.ToArray());
        string unit = rows.Select(r => r.Unit).Distinct().Count() == 1 ? rows[0].Unit : "mixed units";
        // Error bars only where an interval exists (replications, or batch means): one replication has none, and
        // the axis then says so instead of promising bars that are not drawn.
        bool intervals = bars.Any(b => b.Error > 0);
        plot.YLabel(intervals ? $"throughput ({unit}; error bars: 95% CI)" : $"throughput ({unit}; no interval: one replication)");
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Edge.Right);
    }

    private static void SetCategoryTicks(Plot plot, double[] positions, string[] labels)
    {
        plot.Axes.Bottom.SetTicks(positions, labels);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.HideGrid();
        // Long variant names ("calico-bgp/iptables/64B") would overlap side by side: slant them 30 degrees and
        // leave room below the axis for the longest one (about 7 px a character at 12 px, times sin 30).
        int longest = labels.Length == 0 ? 0 : labels.Max(l => l.Length);
        if (longest > 16 || labels.Length > 6)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = Math.Min(200, 24 + longest * 3.5f);
        }
    }
}
