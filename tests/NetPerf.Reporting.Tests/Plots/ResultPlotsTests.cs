using System.Xml.Linq;
using NetPerf.Reporting.Plots;

namespace NetPerf.Reporting.Tests.Plots;

public sealed class ResultPlotsTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Each_path_gets_a_latency_CDF_and_a_CPU_plot_and_the_run_a_throughput_plot_as_PNG_and_SVG()
    {
        using var dir = new TempDirectory();

        IReadOnlyList<string> written = ResultPlots.Write(SyntheticResults.Create(), dir.Path);

        string[] stems =
        [
            "latency-cdf-pod-cross-node", "cpu-pod-cross-node", "latency-cdf-cluster-ip", "cpu-cluster-ip", "throughput",
        ];
        Assert.Equal(stems.SelectMany(s => (string[])[s + ".png", s + ".svg"]), written.Select(Path.GetFileName));
        foreach (string png in written.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
            Assert.Equal(PngSignature, File.ReadAllBytes(png).Take(8));
        foreach (string svg in written.Where(f => f.EndsWith(".svg", StringComparison.Ordinal)))
            Assert.Equal(Svg + "svg", XDocument.Load(svg).Root!.Name);
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), AtomicFile.IsTemporaryFile);
    }

    [Fact]
    public void A_latency_CDF_draws_one_line_per_variant_in_its_CNI_colour_with_the_variant_in_the_legend()
    {
        RenderedPlot cdf = SyntheticResults.Plots.Single(p => p.FileStem == "latency-cdf-pod-cross-node");
        XElement svg = XDocument.Parse(cdf.Svg).Root!;

        // ScottPlot draws each line in its own clipped group (the data area); the legend's group also has text.
        List<XElement> lines = svg.Descendants(Svg + "g")
            .Where(g => g.Attribute("clip-path") is not null && !g.Descendants(Svg + "text").Any())
            .SelectMany(g => g.Elements(Svg + "path"))
            .ToList();
        string[] colours = lines.Select(p => (string?)p.Attribute("stroke") ?? (string?)p.Attribute("fill") ?? "").ToArray();

        // flannel-vxlan in blue; both calico-bgp variants in vermilion (the second dashed, so filled dashes).
        Assert.Equal(["#0072B2", "#D55E00", "#D55E00"], colours);
        Assert.Equal(SyntheticResults.Variants.Select(v => v.Variant), Texts(svg).Where(t => t.Contains('/')));
    }

    [Fact]
    public void A_CPU_plot_labels_a_bar_per_variant_and_names_every_kernel_stage()
    {
        RenderedPlot cpu = SyntheticResults.Plots.Single(p => p.FileStem == "cpu-pod-cross-node");
        List<string> texts = Texts(XDocument.Parse(cpu.Svg).Root!);

        foreach ((string variant, _, _, _) in SyntheticResults.Variants)
            Assert.Contains(variant, texts);
        foreach (string stage in (string[])["Syscall", "TcpOutput", "VxlanEncapsulate", "NicTransmit", "NicReceive", "TcpInput"])
            Assert.Contains(stage, texts);
    }

    [Fact]
    public void The_same_results_give_byte_identical_SVG_and_PNG()
    {
        IReadOnlyList<RenderedPlot> first = SyntheticResults.Plots;
        IReadOnlyList<RenderedPlot> second = ResultPlots.Render(SyntheticResults.Create());

        Assert.Equal(first.Select(p => p.Svg), second.Select(p => p.Svg));
        Assert.Equal(first.Select(p => Convert.ToHexString(p.Png)), second.Select(p => Convert.ToHexString(p.Png)));
    }

    [Fact]
    public void Clip_path_ids_are_unique_across_plots_so_inlined_SVGs_do_not_clip_each_other()
    {
        IReadOnlyList<RenderedPlot> plots = SyntheticResults.Plots;

        List<string> ids = plots.SelectMany(p => XDocument.Parse(p.Svg).Descendants(Svg + "clipPath"))
            .Select(c => (string)c.Attribute("id")!).ToList();

        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void A_latency_range_of_more_than_a_decade_goes_on_a_log_axis()
    {
        ResultSet results = SyntheticResults.Create();
        // A tail to 5 ms behind a 30 us median: a linear axis would squash every line against the left edge.
        LatencyCdf tail = results.Cdfs[0] with { Points = [(0, 30), (50, 31), (99, 400), (100, 5000)] };
        results = results with { Cdfs = [tail, .. results.Cdfs.Skip(1)] };

        RenderedPlot cdf = ResultPlots.Render(results).Single(p => p.FileStem == "latency-cdf-pod-cross-node");
        List<string> texts = Texts(XDocument.Parse(cdf.Svg).Root!);

        Assert.Contains("latency (µs, log scale)", texts);
        Assert.Contains("1000", texts); // a decade tick
    }

    [Fact]
    public void Plots_carry_their_text_when_the_machine_has_fonts()
    {
        // Without font files SkiaSharp silently drops all text; CI installs fonts-dejavu-core for that reason.
        Assert.True(ResultPlots.FontsAvailable, "No fonts found: install fonts-dejavu-core (Debian) so plots get labels.");
        RenderedPlot plot = SyntheticResults.Plots.First();

        Assert.Contains("Latency CDF: pod-cross-node", Texts(XDocument.Parse(plot.Svg).Root!));
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(90.0, 1.0)]
    [InlineData(99.0, 2.0)]
    [InlineData(99.9, 3.0)]
    [InlineData(99.99, 4.0)]
    public void The_tail_axis_puts_each_further_nine_one_step_further(double percentile, double position) =>
        Assert.Equal(position, ResultPlots.TailPosition(percentile), 1e-9);

    [Fact]
    public void A_tail_CDF_has_percentile_ticks_up_to_four_nines_and_latency_on_the_vertical_axis()
    {
        RenderedPlot cdf = ResultPlots.Render(SyntheticResults.Create(), CdfAxis.Tail).Single(p => p.FileStem == "latency-cdf-pod-cross-node");
        List<string> texts = Texts(XDocument.Parse(cdf.Svg).Root!);

        foreach (string tick in (string[])["90", "99", "99.9", "99.99"])
            Assert.Contains(tick, texts);
        Assert.Contains("percentile (log scale of 1/(1-p))", texts);
        Assert.Contains("latency (µs)", texts);
        Assert.NotEqual(cdf.Svg, SyntheticResults.Plots.Single(p => p.FileStem == "latency-cdf-pod-cross-node").Svg);
    }

    [Fact]
    public void The_throughput_plot_promises_error_bars_only_where_an_interval_exists()
    {
        static List<string> Axis(ResultSet r) => Texts(XDocument.Parse(ResultPlots.Render(r).Single(p => p.Kind == PlotKind.Throughput).Svg).Root!);
        ResultSet results = SyntheticResults.Create();
        Assert.Contains("throughput (1/s; error bars: 95% CI)", Axis(results));

        // One replication and no batch means: no interval to draw, and the axis says so.
        ResultSet single = results with { Summary = results.Summary.Select(r => r with { Ci95 = null }).ToList() };
        Assert.Contains("throughput (1/s; no interval: one replication)", Axis(single));
    }

    // Issue 16: the CPU plots' y axis was in ns while every table says µs. The ticks must be the bars' µs: the tallest
    // synthetic bar is a few µs (a few thousand ns), so a tick in the thousands would be nanoseconds.
    [Fact]
    public void The_CPU_plot_is_in_microseconds_as_the_tables_are()
    {
        var results = SyntheticResults.Create();
        double tallestUs = results.Cpu.Where(c => c.Path == "pod-cross-node").GroupBy(c => c.Variant).Max(g => g.Sum(c => c.NanosecondsPerRequest)) / 1000;
        List<string> texts = Texts(XDocument.Parse(SyntheticResults.Plots.Single(p => p.FileStem == "cpu-pod-cross-node").Svg).Root!);

        Assert.Contains("kernel CPU per request (µs)", texts);
        double highestTick = texts.Select(t => double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : double.NaN)
            .Where(double.IsFinite).Max();
        Assert.InRange(highestTick, tallestUs / 2, tallestUs * 2);
    }

    private static List<string> Texts(XElement svg) =>
        svg.Descendants(Svg + "text").Select(t => t.Value.Trim()).ToList();
}
