using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>run ends with the verdict: per path the costliest plugin against the cheapest and the stages behind it.</summary>
public sealed class VerdictOutputTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-cli-").FullName;

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public void The_verdict_puts_the_tunnels_path_first_with_its_stages_and_names_localhost_as_no_difference()
    {
        string scenario = Path.Combine(_results, "two.yaml");
        File.WriteAllText(scenario, "name: two\nworkloads: [{name: rr, test: TCP_RR, paths: [localhost, pod-cross-node]}]\n"
            + "compare: {cni: [flannel-vxlan, calico-bgp]}\nbaseline: calico-bgp\n");

        var (code, output, error) = CommandLine.Run("run", scenario, "--quick", "--no-plots", "--results-dir", Path.Combine(_results, "out"));

        Assert.True(code == ExitCodes.Success, error);
        List<string> verdict = output.Split('\n').SkipWhile(l => !l.StartsWith("Verdict", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, verdict.Count);
        Assert.StartsWith("  pod-cross-node (rr): flannel-vxlan costs ", verdict[0]);
        Assert.Contains("x calico-bgp's kernel CPU per request", verdict[0]);
        Assert.Contains("VxlanEncapsulate (tunnel) +", verdict[0]);
        Assert.Equal("  no difference (within 0.5%): localhost", verdict[1].TrimEnd('\r'));
    }
}
