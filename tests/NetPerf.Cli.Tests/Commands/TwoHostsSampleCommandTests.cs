using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

public class TwoHostsSampleCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CommandLine.Run(args);

    [Fact]
    public void TCP_RR_prints_its_latency_percentiles_and_the_kernel_CPU_of_both_hosts()
    {
        var (code, output, _) = Run("sample", "two-hosts", "--test", "TCP_RR", "--request", "100", "--response", "1000", "--duration", "20 ms", "--warmup", "2 ms");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("TCP_RR between two hosts: 10 Gbit/s", output);
        Assert.Matches(@"latency p50/p90/p99/p99\.9\s+\d", output);
        Assert.Matches(@"client\s+\d+\.\d% of a core: ", output);
        Assert.Contains("TcpOutput", output);
    }

    [Fact]
    public void Standard_output_is_identical_for_the_same_seed()
    {
        string[] args = ["sample", "two-hosts", "--test", "TCP_CRR", "--clients", "3", "--duration", "10 ms", "--warmup", "1 ms", "--seed", "5"];
        Assert.Equal(Run(args).Out, Run(args).Out);
    }

    [Theory]
    [InlineData("--test", "TCP_XX", "TCP_RR")]
    [InlineData("--link-gbit", "0", "strictly between 0 and 1000")]
    [InlineData("--mtu", "100", "at least 576")]
    [InlineData("--delay", "soon", "one of the units s, ms, us, ns, ps")]
    public void A_bad_option_says_what_is_allowed_runs_nothing_and_exits_2(string option, string value, string allowed)
    {
        var (code, output, error) = Run("sample", "two-hosts", option, value);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains(allowed, error);
        Assert.Equal("", output);
    }
}
