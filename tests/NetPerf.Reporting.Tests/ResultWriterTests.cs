namespace NetPerf.Reporting.Tests;

public sealed class ResultWriterTests
{
    [Fact]
    public void WriteAll_returns_exactly_the_files_it_leaves_in_the_run_directory()
    {
        using var dir = new TempDirectory();
        string run = Path.Combine(dir.Path, "cni-shoot-out", "run-1"); // results/<scenario>/<run>/, created

        IReadOnlyList<string> written = ResultWriter.WriteAll(SyntheticResults.Create(samples: true), run);

        Assert.Equal(written.Order(StringComparer.Ordinal), Directory.GetFiles(run).Order(StringComparer.Ordinal));
        Assert.All(written, f => Assert.True(Path.IsPathFullyQualified(f)));
        Assert.Equal(
            [
                "summary.csv", "cpu.csv", "samples.csv",
                "latency-cdf-pod-cross-node.png", "latency-cdf-pod-cross-node.svg", "cpu-pod-cross-node.png",
                "cpu-pod-cross-node.svg", "latency-cdf-cluster-ip.png", "latency-cdf-cluster-ip.svg", "cpu-cluster-ip.png",
                "cpu-cluster-ip.svg", "throughput.png", "throughput.svg", "report.html",
            ],
            written.Select(Path.GetFileName));
    }

    [Fact]
    public void Without_plots_only_the_CSV_and_the_report_are_written()
    {
        using var dir = new TempDirectory();

        IReadOnlyList<string> written = ResultWriter.WriteAll(SyntheticResults.Create(), dir.Path, plots: false);

        Assert.Equal(["summary.csv", "cpu.csv", "report.html"], written.Select(Path.GetFileName));
        Assert.DoesNotContain("<svg", File.ReadAllText(dir.File("report.html")));
    }

    [Fact]
    public void Every_file_is_byte_identical_whatever_the_machine_culture()
    {
        using var invariant = new TempDirectory();
        using var other = new TempDirectory();
        IReadOnlyList<string> written = ResultWriter.WriteAll(SyntheticResults.Create(), invariant.Path);
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        // The build runs with invariant globalization, so de-DE cannot be loaded by name: build its number format.
        var german = (System.Globalization.CultureInfo)System.Globalization.CultureInfo.InvariantCulture.Clone();
        german.NumberFormat.NumberDecimalSeparator = ",";
        german.NumberFormat.NumberGroupSeparator = ".";
        System.Globalization.CultureInfo.CurrentCulture = german; // "10.000,5"
        try
        {
            ResultWriter.WriteAll(SyntheticResults.Create(), other.Path);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }

        Assert.All(written, f => Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(System.IO.Path.Combine(other.Path, System.IO.Path.GetFileName(f)))));
    }

    [Fact]
    public void Writing_a_run_again_over_its_files_gives_the_same_bytes()
    {
        using var dir = new TempDirectory();
        IReadOnlyList<string> written = ResultWriter.WriteAll(SyntheticResults.Create(), dir.Path);
        Dictionary<string, byte[]> first = written.ToDictionary(f => f, File.ReadAllBytes);

        ResultWriter.WriteAll(SyntheticResults.Create(), dir.Path);

        Assert.All(written, f => Assert.Equal(first[f], File.ReadAllBytes(f)));
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), AtomicFile.IsTemporaryFile);
    }

    [Fact]
    public void A_variant_that_names_two_CNIs_is_refused_with_the_variant_named()
    {
        ResultSet results = SyntheticResults.Create();
        results = results with { Cpu = [results.Cpu[0] with { Cni = "cilium" }, .. results.Cpu.Skip(1)] };
        using var dir = new TempDirectory();

        var error = Assert.Throws<ArgumentException>(() => ResultWriter.WriteAll(results, dir.Path));

        Assert.Contains("'flannel-vxlan/iptables'", error.Message);
        Assert.Contains("'cilium'", error.Message);
        Assert.Empty(Directory.GetFiles(dir.Path)); // refused before anything was written
    }

    [Fact]
    public void A_run_stopped_before_anything_was_measured_still_leaves_CSV_headers_and_a_report()
    {
        var nothing = new ResultSet
        {
            Scenario = "stopped", Baseline = "flannel-vxlan/iptables", Summary = [], Cpu = [], Cdfs = [], Partial = true,
        };
        using var dir = new TempDirectory();

        IReadOnlyList<string> written = ResultWriter.WriteAll(nothing, dir.Path);

        Assert.Equal(["summary.csv", "cpu.csv", "report.html"], written.Select(Path.GetFileName));
        Assert.Empty(CsvResults.ReadSummary(dir.File("summary.csv")));
        Assert.Contains("Partial run.", File.ReadAllText(dir.File("report.html")));
    }

    [Fact]
    public void Figures_that_are_not_numbers_are_written_to_CSV_and_left_out_of_plots()
    {
        // A variant whose window closed before its first completion: no latency, and 0/0 for its rates.
        ResultSet results = SyntheticResults.Create();
        results = results with
        {
            Summary = [.. results.Summary.Select(r => r.Variant == "calico-bgp/ipvs" ? r with { Mean = double.NaN, P50 = double.NaN } : r)],
            Cdfs = [.. results.Cdfs.Select(c => c.Variant == "calico-bgp/ipvs" ? c with { Points = [(50, double.NaN)] } : c)],
        };
        using var dir = new TempDirectory();

        ResultWriter.WriteAll(results, dir.Path);

        Assert.Contains(CsvResults.ReadSummary(dir.File("summary.csv")), r => double.IsNaN(r.Mean));
    }

    [Fact]
    public void Summary_csv_never_holds_NaN_a_figure_without_a_value_is_an_empty_cell()
    {
        ResultSet results = SyntheticResults.Create();
        results = results with { Summary = [.. results.Summary.Select(r => r.Variant == "calico-bgp/ipvs" ? r with { Mean = double.NaN, P50 = double.NaN } : r)] };
        using var dir = new TempDirectory();

        ResultWriter.WriteAll(results, dir.Path);

        string csv = File.ReadAllText(dir.File("summary.csv"));
        Assert.DoesNotContain("NaN", csv);
        Assert.DoesNotContain("Infinity", csv);
        Assert.Contains(CsvResults.ReadSummary(dir.File("summary.csv")), r => r.Variant == "calico-bgp/ipvs" && double.IsNaN(r.Mean) && r.P50 is null);
    }
}
