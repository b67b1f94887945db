using NetPerf.Cli.Tests.Commands;

namespace NetPerf.Cli.Tests;

/// <summary>A mistyped choice on the command line is refused with the closest allowed word, never an internal type name.</summary>
public sealed class OptionParsersTests
{
    [Fact]
    public void A_mistyped_netperf_test_says_did_you_mean_and_names_no_internal_type()
    {
        var (code, _, error) = CommandLine.Run("sample", "two-hosts", "--test", "TCP_RRR");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--test 'TCP_RRR' is not allowed (did you mean 'TCP_RR'?); allowed: TCP_RR, TCP_CRR, TCP_STREAM, UDP_RR, UDP_STREAM.", error);
        Assert.DoesNotContain("NetPerf.", error);
    }

    [Fact]
    public void An_enum_value_is_taken_in_any_case()
    {
        var (code, _, error) = CommandLine.Run("sample", "queue", "--service", "DETERMINISTIC", "--customers", "1000", "--help");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("", error);
    }

    [Fact]
    public void A_mistyped_kube_proxy_mode_says_did_you_mean()
    {
        var (code, _, error) = CommandLine.Run("compare", "x.yaml", "--kube-proxy", "ipvs", "nftable");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--kube-proxy 'nftable' is not allowed (did you mean 'nftables'?); allowed: iptables, ipvs, nftables.", error);
    }

    [Fact]
    public void A_mistyped_CNI_says_did_you_mean()
    {
        var (code, _, error) = CommandLine.Run("compare", "x.yaml", "--cni", "calico-bpg");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--cni 'calico-bpg' is not allowed (did you mean 'calico-bgp'?)", error);
    }

    [Fact]
    public void A_mistyped_option_is_named_with_the_closest_option_not_the_argument_after_it()
    {
        var (code, _, error) = CommandLine.Run("run", "--quik", "scenarios/overlay-vs-calico.yaml");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("'--quik' is not an option of 'run' (did you mean '--quick'?)", error);
        Assert.DoesNotContain("overlay-vs-calico", error);
    }

    [Fact]
    public void A_mistyped_option_of_a_command_that_takes_many_files_is_not_read_as_a_file()
    {
        var (code, _, error) = CommandLine.Run("validate", "--quik", "x.yaml");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("'--quik' is not an option of 'validate'", error);
        Assert.DoesNotContain("cannot read", error);
    }

    [Fact]
    public void The_help_spells_defaults_as_the_options_take_them()
    {
        var (code, output, _) = CommandLine.Run("run", "--help");

        Assert.Equal(ExitCodes.Success, code);
        Assert.DoesNotContain("[default: Table]", output);
        Assert.DoesNotContain("[default: Percentile]", output);
        Assert.Contains("table (default)", output);
    }

    [Fact]
    public void A_mistyped_command_names_the_closest_command_and_lists_them()
    {
        var (code, _, error) = CommandLine.Run("rn", "x.yaml");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("'rn' is not a netperf command (did you mean 'run'?); commands: run, compare,", error);
        Assert.DoesNotContain("validate-worker", error);
    }

    [Fact]
    public void Two_swapped_letters_are_one_slip_and_get_a_suggestion()
    {
        var (code, _, error) = CommandLine.Run("run", "x.yaml", "-o", "jsno");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--output 'jsno' is not a format (did you mean 'json'?)", error);
    }

    [Fact]
    public void Netperf_alone_prints_its_help()
    {
        var (code, output, error) = CommandLine.Run();

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("Usage:", output);
        Assert.Equal("", error);
    }
}
