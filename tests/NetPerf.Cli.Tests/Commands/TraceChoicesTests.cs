namespace NetPerf.Cli.Tests.Commands;

/// <summary>A mistyped path, variant or workload on trace names the closest one, as a mistyped word in a scenario does.</summary>
public class TraceChoicesTests
{
    private static string Scenario(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);

    [Theory]
    [InlineData("--path", "pod-crossnode", "did you mean 'pod-cross-node'?")]
    [InlineData("--variant", "flanel-vxlan", "did you mean 'flannel-vxlan'?")]
    [InlineData("--workload", "smal", "did you mean 'small'?")]
    public void A_mistyped_choice_exits_2_naming_the_closest(string option, string value, string suggestion)
    {
        string[] args = option == "--path"
            ? ["trace", Scenario("overlay-vs-calico.yaml"), option, value]
            : ["trace", Scenario("overlay-vs-calico.yaml"), "--path", "localhost", option, value];
        var (code, _, error) = CommandLine.Run(args);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(suggestion, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_workload_trace_takes_the_first_that_measures_the_path_and_says_when_the_one_named_does_not()
    {
        // kind-calibrate.yaml: udp measures localhost, pod-same-node and pod-cross-node; tcp measures node-port too.
        var (code, output, error) = CommandLine.Run("trace", Scenario("kind-calibrate.yaml"), "--path", "node-port");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("one TCP_RR transaction", output, StringComparison.Ordinal);
        Assert.DoesNotContain("does not measure", error, StringComparison.Ordinal);

        (code, output, error) = CommandLine.Run("trace", Scenario("kind-calibrate.yaml"), "--path", "node-port", "--workload", "udp");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("one UDP_RR transaction", output, StringComparison.Ordinal);
        Assert.Contains("workload 'udp' does not measure node-port", error, StringComparison.Ordinal);
    }
}
