using NetPerf.Cli;
using NetPerf.Cli.Commands;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>A run folder that cannot be had is refused with exit 2 before anything is simulated (README: exit codes).</summary>
public sealed class RunFolderRefusalTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-cli-").FullName;

    private static string Scenario(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public void Proc_as_the_results_root_is_refused_with_exit_2_before_simulating()
    {
        var (code, output, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--results-dir", "/proc");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Equal("", output);
        Assert.Contains("--results-dir '/proc' cannot hold results", error);
        Assert.Contains("nothing was run", error);
        Assert.DoesNotContain("[1/", error);
    }

    // Issue 16: a read-only results root ran every simulation and then exited 4; it is refused first, with exit 2.
    [ReadOnlyDirectoryFact]
    public void A_read_only_results_root_is_refused_with_exit_2_before_simulating()
    {
        using var root = ReadOnlyDirectory.TryCreate(out string why) ?? throw new InvalidOperationException(why);

        var (code, output, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--results-dir", root.Path);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Equal("", output);
        Assert.Contains($"--results-dir '{root.Path}' cannot hold results", error);
        Assert.Contains("nothing was run", error);
        Assert.DoesNotContain("[1/", error);
        Assert.Empty(Directory.GetFileSystemEntries(root.Path));
    }

    [Fact]
    public void A_run_id_naming_an_existing_file_is_refused_with_exit_2_before_simulating()
    {
        Directory.CreateDirectory(Path.Combine(_results, "localhost"));
        File.WriteAllText(Path.Combine(_results, "localhost", "taken"), "");

        var (code, _, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--results-dir", _results, "--run-id", "taken");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("run 'taken' of localhost exists", error);
        Assert.DoesNotContain("[1/", error);
        Assert.Equal(["taken"], Directory.GetFileSystemEntries(Path.Combine(_results, "localhost")).Select(Path.GetFileName));
    }

    [Fact]
    public void Reusing_a_run_id_is_refused_with_exit_2_and_does_not_write_a_second_folder()
    {
        var (first, _, _) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--no-plots", "--results-dir", _results, "--run-id", "x");
        var (second, _, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--no-plots", "--results-dir", _results, "--run-id", "x");

        Assert.Equal(ExitCodes.Success, first);
        Assert.Equal(ExitCodes.UsageError, second);
        Assert.Contains("run 'x' of localhost exists", error);
        Assert.Equal(["latest", "x"], Directory.GetFileSystemEntries(Path.Combine(_results, "localhost")).Select(Path.GetFileName).Order()); // no x-2, no hidden folder (latest: the link to x)
    }

    [Fact]
    public void A_killed_runs_hidden_folder_is_removed_by_the_next_run_in_the_root()
    {
        string left = Directory.CreateDirectory(Path.Combine(_results, "other-scenario", $".r.p999999999-{NetPerf.Scenarios.Results.Leftovers.Machine}.0123456789abcdef0123456789abcdef.tmp")).FullName;

        var (code, _, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--no-plots", "--results-dir", _results, "--run-id", "y");

        Assert.Equal(ExitCodes.Success, code);
        Assert.False(Directory.Exists(left));
        Assert.Contains("left by a run that was killed", error);
    }

    [Fact]
    public void Ctrl_C_while_writing_says_the_results_are_whole_and_only_Ctrl_C_while_simulating_says_partial()
    {
        Assert.Contains("marked partial", ScenarioExecution.CtrlCNotice(RunPhase.Simulating));
        Assert.DoesNotContain("partial", ScenarioExecution.CtrlCNotice(RunPhase.Writing));
        Assert.Contains("written whole", ScenarioExecution.CtrlCNotice(RunPhase.Writing));
    }
}
