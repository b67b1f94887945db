using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>
/// A scenario whose every cost is 0 would loop at one instant on localhost: validation refuses it (exit 3, nothing
/// run). The event loop's own watchdog, for loops validation cannot foresee, is held by SimulatorWatchdogTests.
/// </summary>
public sealed class StuckRunTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-cli-").FullName;

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public void Every_cost_at_zero_on_localhost_is_refused_before_running_saying_time_would_not_advance()
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

        Assert.True(code == ExitCodes.InvalidScenario, error);
        Assert.Contains("simulated time would never advance", error);
        Assert.False(Directory.Exists(Path.Combine(_results, "out", "zero")));
    }
}
