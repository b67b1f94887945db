using System.Globalization;
using System.Text.Json;
using NetPerf.Cli.Commands;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>netperf calibrate's refusals, before anything is built (the run itself: NetPerf.Calibration.Tests).</summary>
public class CalibrateCommandTests
{
    private static string Scenario(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);

    [Fact]
    public void A_cluster_on_a_switch_cannot_be_built_from_namespaces_and_calibrate_says_to_use_kind()
    {
        var (code, _, error) = CommandLine.Run("calibrate", Scenario("pod-cross-node.yaml"));
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("fabric: kind", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--rounds", "0", "from 1 to 50")]
    [InlineData("--transactions", "10", "from 1000 to 1000000")]
    [InlineData("--iptables", "ebtables", "legacy")]
    public void An_out_of_range_option_is_refused_saying_what_is_allowed(string option, string value, string allowed)
    {
        var (code, _, error) = CommandLine.Run("calibrate", Scenario("kind-calibrate.yaml"), option, value);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(allowed, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refit_of_a_file_that_is_not_there_is_a_bad_command_line_and_writes_nothing()
    {
        string root = Directory.CreateTempSubdirectory("netperf-calibrate-missing-").FullName;
        try
        {
            string missing = Path.Combine(root, "no-such-measurements.csv");
            var (code, _, error) = CommandLine.Run("calibrate", Scenario("kind-calibrate.yaml"), "--refit", missing, "--results-dir", root);
            Assert.Equal(ExitCodes.UsageError, code);
            Assert.Contains("no such file", error, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // calibrate -o json without real namespaces: --refit fits again from a stored run's probe results (rounds 1 and 2
    // of the v857 run, behind the kind profile until 4 December), so the JSON is checked against the files the same run wrote.
    [Fact]
    public void Refit_as_json_reads_back_whole_and_carries_the_rows_of_the_calibration_csv_it_wrote()
    {
        string root = Directory.CreateTempSubdirectory("netperf-calibrate-json-").FullName;
        try
        {
            string measurements = Path.Combine(AppContext.BaseDirectory, "Calibration", "measurements.csv");
            var (code, output, error) = CommandLine.Run("calibrate", Scenario("kind-calibrate.yaml"), "--refit", measurements, "--results-dir", root, "-o", "json");
            Assert.True(code == ExitCodes.Success, error);

            var report = JsonSerializer.Deserialize<CalibrationReport>(output, OutputFormats.JsonOptions)!;
            var again = new StringWriter();
            OutputFormats.TryWrite(OutputFormat.Json, report, again);
            Assert.Equal(output, again.ToString()); // nothing lost or added between the JSON and the data it came from

            Assert.True(report.Refit);
            Assert.Equal(2, report.Rounds);
            Assert.StartsWith(Path.Combine(root, "kind-calibrate", "refit-"), report.Results, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(report.Results, "cost-model.csv"), report.CostFile);
            Assert.NotNull(NetPerf.Network.Cpu.CostTable.Load(report.CostFile)); // usable as a costFile
            Assert.NotEmpty(report.Fit);
            Assert.All(report.Fit, f => Assert.InRange(f.Factor, 0.25, 4)); // the fit's physical bounds

            var csv = File.ReadAllLines(Path.Combine(report.Results, "calibration.csv")).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(csv.Count, report.Rows.Count);
            foreach (var (row, cells) in report.Rows.Zip(csv))
            {
                Assert.Equal((cells[0], cells[1], cells[2]), (row.Path, row.Role, row.Metric));
                Assert.Equal(cells[3], row.Measured.ToString("0.000", CultureInfo.InvariantCulture)); // the CSV keeps three decimals
                Assert.Equal(cells[4], row.Predicted.ToString("0.000", CultureInfo.InvariantCulture));
                Assert.Equal(row.Predicted / row.Measured - 1, row.Error, 1e-12);
            }

            Assert.Contains(report.Rows, r => r.Role == "fit");
            Assert.Contains(report.Rows, r => r.Role == "held-out" && r.Path.Contains("pod-cross-node", StringComparison.Ordinal));

            // The verdict judges only the paths the fit never saw, each against its figure's target: a user reads from
            // it how far this machine's figures hold, so it must agree with the rows it summarises.
            var p50 = report.Rows.Where(r => r.Role == "held-out" && r.Metric == "p50_us").ToList();
            var verdict = report.HeldOut.Single(v => v.Metric == "p50_us");
            Assert.Equal(0.10, verdict.Target);
            Assert.Equal(p50.Count, verdict.Paths);
            Assert.Equal(p50.Count(r => Math.Abs(r.Error) <= 0.10), verdict.Within);
            Assert.Equal(p50.Max(r => Math.Abs(r.Error)), verdict.WidestMiss!.Value, 12);
            Assert.Equal(verdict.Within == verdict.Paths, verdict.Met);
            var ratio = report.HeldOut.Single(v => v.Metric == "p50_ratio");
            var ratioRow = report.Rows.Single(r => r.Metric == "p50_ratio");
            Assert.Equal(Math.Abs(ratioRow.Predicted - ratioRow.Measured) <= 0.05 ? 1 : 0, ratio.Within);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
