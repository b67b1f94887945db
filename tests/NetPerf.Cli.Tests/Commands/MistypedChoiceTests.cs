namespace NetPerf.Cli.Tests.Commands;

/// <summary>A mistyped output format or variant on run exits 2 naming the closest, as a mistyped word in a scenario does.</summary>
public class MistypedChoiceTests
{
    private static string Scenario(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);

    [Theory]
    [InlineData("-o", "jsn", "did you mean 'json'?")]
    [InlineData("--variant", "calico-bpg", "did you mean 'calico-bgp'?")]
    public void A_mistyped_choice_on_run_exits_2_naming_the_closest_and_nothing_runs(string option, string value, string suggestion)
    {
        string root = Directory.CreateTempSubdirectory("netperf-typo-").FullName;
        try
        {
            var (code, _, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--results-dir", root, option, value);
            Assert.Equal(ExitCodes.UsageError, code);
            Assert.Contains(suggestion, error, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_mistyped_variant_is_shown_with_its_control_characters_escaped()
    {
        var (code, _, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--variant", "calico\u001b[2Jbgp");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.DoesNotContain('\u001b', error);
    }
}
