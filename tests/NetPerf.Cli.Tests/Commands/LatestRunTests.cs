namespace NetPerf.Cli.Tests.Commands;

/// <summary>results/&lt;scenario&gt;/latest: the newest complete run, for scripts (netperf diff results/x/latest ...).</summary>
public sealed class LatestRunTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-latest-").FullName;

    private static string Scenario(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public void Latest_is_a_relative_link_to_the_run_written_last()
    {
        Assert.Equal(ExitCodes.Success, CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--no-plots", "--results-dir", _results, "--run-id", "first").Code);
        Assert.Equal(ExitCodes.Success, CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--no-plots", "--results-dir", _results, "--run-id", "second").Code);

        var latest = new DirectoryInfo(Path.Combine(_results, "localhost", "latest"));
        Assert.Equal("second", latest.LinkTarget); // relative: the results folder can be moved whole
        Assert.True(File.Exists(Path.Combine(latest.FullName, "summary.csv")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_results, "localhost"), ".latest*")); // no staging link left
    }
}
