using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>compare's baseline: the command line's wins; a file's baseline the command line's variants dropped falls back to the first, said.</summary>
public sealed class CompareBaselineTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-cli-").FullName;

    public static TheoryData<string> Shipped() => [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.yaml").Select(f => Path.GetFileName(f))];

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Compare_over_kube_proxy_modes_runs_every_shipped_scenario(string file)
    {
        var (code, _, error) = CommandLine.Run("compare", Path.Combine(AppContext.BaseDirectory, "scenarios", file), "--cni", "calico-bgp", "--kube-proxy", "ipvs", "nftables", "--quick", "--no-plots", "--results-dir", _results);

        Assert.True(code == ExitCodes.Success, error);
        Assert.DoesNotContain("error", error);
    }

    [Fact]
    public void A_file_baseline_that_is_no_longer_a_variant_falls_back_to_the_first_with_a_note()
    {
        var (code, output, error) = CommandLine.Run("compare", Path.Combine(AppContext.BaseDirectory, "scenarios", "cluster-ip.yaml"), "--cni", "calico-bgp", "--kube-proxy", "ipvs", "nftables", "--quick", "--no-plots", "--results-dir", _results);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("note: the file's baseline 'calico-bgp' is not among the compared variants; ratios are to 'calico-bgp/ipvs'", error);
        Assert.Contains("ratios to calico-bgp/ipvs", output);
    }

    [Fact]
    public void The_command_lines_baseline_overrides_the_files()
    {
        var (code, output, error) = CommandLine.Run("compare", Path.Combine(AppContext.BaseDirectory, "scenarios", "cluster-ip.yaml"), "--cni", "calico-bgp", "--kube-proxy", "ipvs", "nftables", "--baseline", "calico-bgp/nftables", "--quick", "--no-plots", "--results-dir", _results);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("ratios to calico-bgp/nftables", output);
        Assert.DoesNotContain("note:", error);
    }
}
