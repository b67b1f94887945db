using NetPerf.Cli;
using NetPerf.Reporting;

namespace NetPerf.Cli.Tests.Commands;

/// <summary><c>netperf diff</c>: the table, the regression gate's exit codes and the refusal of what is not a run folder.</summary>
public sealed class DiffCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("netperf-diff-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static SummaryRow Row(string metric, string unit, long count, double mean, double? ci95, string scenario = "s") => new()
    {
        Scenario = scenario, Variant = "flannel-vxlan/iptables", Path = "pod-cross-node", Cni = "flannel-vxlan", KubeProxy = "iptables",
        Workload = "rr", Test = "TCP_RR", RequestBytes = 64, ResponseBytes = 64, Metric = metric, Unit = unit, Count = count,
        Mean = mean, Ci95 = ci95,
    };

    /// <summary>A run folder as <c>netperf run</c> leaves it: summary.csv (latency over 5 replications of 10,000 transactions) and run.json.</summary>
    private string Run(string name, double latency, double throughput, string scenario = "s")
    {
        string dir = Directory.CreateDirectory(Path.Combine(_root, scenario, name)).FullName;
        using (var w = new StreamWriter(Path.Combine(dir, CsvResults.SummaryFile)))
        {
            CsvResults.WriteSummary(
            [
                Row("latency", "us", 50_000, latency, 0.1, scenario),
                Row("throughput", "1/s", 5, throughput, 50, scenario),
                Row("cpu_per_byte", "ns/B", 5, double.NaN, null, scenario), // an empty cell: not applicable
            ], w);
        }

        File.WriteAllText(Path.Combine(dir, "run.json"), "{ \"scenario\": \"s\", \"replications\": 5 }\n");
        return dir;
    }

    [Fact]
    public void Identical_runs_exit_0_with_ratio_1_and_nothing_significant()
    {
        string a = Run("a", 20, 40_000);
        string b = Run("b", 20, 40_000);

        var (code, output, error) = CommandLine.Run("diff", a, b, "--fail-above", "5%");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("", error);
        var latency = Line(output, "latency");
        Assert.Contains("1.000", latency);
        Assert.EndsWith(" no", latency);
        Assert.EndsWith(" no", Line(output, "throughput"));
        Assert.DoesNotContain(" yes", output);
        Assert.Contains("no figure got worse by more than 5%.", output);
    }

    [Fact]
    public void Latency_10_percent_worse_fails_a_5_percent_gate_naming_the_row()
    {
        string a = Run("a", 20, 40_000);
        string b = Run("b", 22, 40_000);

        var (code, output, _) = CommandLine.Run("diff", a, b, "--fail-above", "5%");

        Assert.Equal(ExitCodes.CheckFailed, code);
        Assert.Contains("1.100", Line(output, "latency"));
        Assert.EndsWith(" yes", Line(output, "latency"));
        Assert.Contains("REGRESSION flannel-vxlan/iptables pod-cross-node rr latency: 20 -> 22 us (10.0% worse", output);
        Assert.DoesNotContain("REGRESSION flannel-vxlan/iptables pod-cross-node rr throughput", output);
    }

    [Fact]
    public void Latency_10_percent_worse_passes_a_20_percent_gate()
    {
        var (code, output, _) = CommandLine.Run("diff", Run("a", 20, 40_000), Run("b", 22, 40_000), "--fail-above", "20%");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("no figure got worse by more than 20%.", output);
    }

    [Fact]
    public void Without_a_gate_a_regression_is_shown_but_exits_0()
    {
        var (code, _, _) = CommandLine.Run("diff", Run("a", 20, 40_000), Run("b", 22, 40_000));
        Assert.Equal(ExitCodes.Success, code);
    }

    [Fact]
    public void Higher_is_better_throughput_that_fell_fails_the_gate()
    {
        var (code, output, _) = CommandLine.Run("diff", Run("a", 20, 40_000), Run("b", 20, 30_000), "--fail-above", "5%");

        Assert.Equal(ExitCodes.CheckFailed, code);
        Assert.Contains("REGRESSION flannel-vxlan/iptables pod-cross-node rr throughput: 40000 -> 30000 1/s (25.0% worse", output);
    }

    [Fact]
    public void Metric_filters_the_rows()
    {
        var (code, output, _) = CommandLine.Run("diff", Run("a", 20, 40_000), Run("b", 22, 30_000), "--metric", "throughput", "--fail-above", "5%");

        Assert.Equal(ExitCodes.CheckFailed, code);
        Assert.DoesNotContain("latency", output);
        Assert.Contains("throughput", output);
    }

    [Fact]
    public void A_missing_folder_exits_2_naming_it()
    {
        string missing = Path.Combine(_root, "nope");
        var (code, output, error) = CommandLine.Run("diff", Run("a", 20, 40_000), missing);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Equal("", output);
        Assert.Contains($"'{missing}': no such run folder", error);
    }

    [Fact]
    public void A_folder_without_summary_csv_exits_2()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        var (code, _, error) = CommandLine.Run("diff", empty, Run("a", 20, 40_000));

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("is not a run folder: it has no summary.csv file", error);
    }

    [Theory]
    [InlineData("scenario,variant\ns,v\n", "missing column(s)")]
    [InlineData("", "is empty")]
    public void A_malformed_summary_exits_2_naming_the_file_and_what_is_wrong(string text, string what)
    {
        string bad = Directory.CreateDirectory(Path.Combine(_root, "bad")).FullName;
        File.WriteAllText(Path.Combine(bad, CsvResults.SummaryFile), text);

        var (code, _, error) = CommandLine.Run("diff", Run("a", 20, 40_000), bad);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(Path.Combine(bad, CsvResults.SummaryFile), error);
        Assert.Contains(what, error);
        Assert.DoesNotContain("   at ", error); // no stack trace
    }

    [Fact]
    public void A_value_that_is_not_a_number_exits_2_with_line_and_column()
    {
        string a = Run("a", 20, 40_000);
        string bad = Run("bad", 20, 40_000);
        string file = Path.Combine(bad, CsvResults.SummaryFile);
        File.WriteAllText(file, File.ReadAllText(file).Replace(",50000,20,", ",50000,twenty,", StringComparison.Ordinal));

        var (code, _, error) = CommandLine.Run("diff", a, bad);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("line 2, column mean: 'twenty'", error);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("0.05")]
    [InlineData("lots")]
    public void A_threshold_without_its_percent_sign_exits_2_saying_what_is_allowed(string value)
    {
        var (code, _, error) = CommandLine.Run("diff", Run("a", 20, 40_000), Run("b", 20, 40_000), "--fail-above", value);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("give a percentage with its % sign", error);
    }

    [Fact]
    public void Runs_of_different_scenarios_are_compared_with_a_note_on_stderr()
    {
        var (code, _, error) = CommandLine.Run("diff", Run("a", 20, 40_000, "one"), Run("b", 20, 40_000, "two"));

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("different scenarios (A: one, B: two)", error);
    }

    [Fact]
    public void Rows_only_in_one_run_are_listed_as_such()
    {
        string a = Run("a", 20, 40_000);
        string b = Run("b", 20, 40_000);
        string file = Path.Combine(b, CsvResults.SummaryFile);
        File.WriteAllLines(file, File.ReadAllLines(file).Where(l => !l.Contains(",throughput,", StringComparison.Ordinal)));

        var (code, output, _) = CommandLine.Run("diff", a, b);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("only in A (1):\n  flannel-vxlan/iptables pod-cross-node rr throughput", output.ReplaceLineEndings("\n"));
    }

    private static string Line(string output, string metric) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).Single(l => l.Contains($" {metric} ", StringComparison.Ordinal));
}
