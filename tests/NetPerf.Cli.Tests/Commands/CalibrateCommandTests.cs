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
}
