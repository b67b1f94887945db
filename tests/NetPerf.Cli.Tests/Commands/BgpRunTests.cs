using System.Text.Json;
using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>A BGP-only run says what it ran: its simulations in run.json, its experiments in the report.</summary>
public sealed class BgpRunTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-cli-").FullName;

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public void A_BGP_only_run_counts_its_simulations_in_run_json_and_its_report_does_not_say_0_paths()
    {
        var (code, _, error) = CommandLine.Run("run", Path.Combine(AppContext.BaseDirectory, "scenarios", "bgp-convergence.yaml"), "--quick", "--no-plots", "--results-dir", _results, "--run-id", "b");
        Assert.True(code == ExitCodes.Success, error);
        string dir = Path.Combine(_results, "bgp-convergence", "b");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json")));
        int units = json.RootElement.GetProperty("units").GetInt32();
        Assert.True(units > 0);
        Assert.Equal(units, json.RootElement.GetProperty("unitsFinished").GetInt32());
        Assert.NotEqual(0, json.RootElement.GetProperty("variants").GetArrayLength());

        string report = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.DoesNotContain("0 variant(s) on 0 path(s)", report);
        Assert.Matches(@"BGP convergence: [1-9]\d* variant\(s\), " + units + @" simulation\(s\)", report);
    }
}
