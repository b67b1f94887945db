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
}
