using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

public class QueueSampleCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CommandLine.Run(args);

    [Fact]
    public void The_sample_prints_the_measured_and_the_analytic_wait_and_succeeds()
    {
        var (code, output, _) = Run("sample", "queue", "-u", "0.5", "-n", "200000", "--seed", "3");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("M/M/1 queue, utilisation 0.5", output);
        Assert.Contains("Wq Pollaczek-Khinchine  1.0000 us", output);
        Assert.Matches(@"Wq measured\s+\d+\.\d+ us \+/- \d+\.\d+ us \(95 % CI", output);
    }

    [Fact]
    public void Standard_output_is_identical_for_the_same_seed()
    {
        string[] args = ["sample", "queue", "-s", "deterministic", "-u", "0.7", "-n", "50000", "--seed", "11"];
        Assert.Equal(Run(args).Out, Run(args).Out);
    }

    [Theory]
    [InlineData("--utilisation", "1.2", "strictly between 0 and 1")]
    [InlineData("--utilisation", "high", "strictly between 0 and 1")]
    [InlineData("--mean-service", "5 parsecs", "one of the units s, ms, us, ns, ps")]
    [InlineData("--customers", "12", "at least 1000")]
    public void A_bad_option_says_what_is_allowed_runs_nothing_and_exits_2(string option, string value, string allowed)
    {
        var (code, output, error) = Run("sample", "queue", option, value);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(option, error);
        Assert.Contains(allowed, error);
        Assert.Equal("", output);
    }

    [Fact]
    public void An_unknown_command_exits_2()
    {
        Assert.Equal(ExitCodes.UsageError, Run("simulate-everything").Code);
    }
}
