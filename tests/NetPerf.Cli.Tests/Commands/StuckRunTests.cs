using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>A scenario whose every cost is 0 loops at one instant on localhost: the run stops saying so and exits 4.</summary>
public sealed class StuckRunTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-cli-").FullName;

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public void Every_cost_at_zero_on_localhost_stops_with_an_error_and_exit_4_leaving_no_folder()
    {
        string[] stages =
        [
            "Syscall", "UdpOutput", "IpOutput", "LoopbackTransmit", "BacklogReceive", "IpInput", "UdpInput", "SocketDeliver", "FibLookup",
            "NetfilterRule", "NetfilterHook", "ConntrackLookup", "ConntrackNew", "Nat", "TcpOutput", "TcpInput", "GsoSegment", "GroReceive",
        ];
        string scenario = Path.Combine(_results, "zero.yaml");
        File.WriteAllText(scenario, "name: zero\nworkloads: [{name: rr, test: TCP_RR, paths: [localhost]}]\ncompare: {cni: [calico-bgp]}\ncosts:\n"
            + string.Concat(stages.Select(s => $"  {s}: {{fixedNs: 0}}\n")));

        var (code, _, error) = CommandLine.Run("run", scenario, "--quick", "--no-plots", "--results-dir", Path.Combine(_results, "out"));

        Assert.True(code == ExitCodes.RunFailed, error);
        Assert.Contains("simulated time has not advanced", error);
        Assert.Contains("nothing was written", error);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_results, "out", "zero")));
    }
}
