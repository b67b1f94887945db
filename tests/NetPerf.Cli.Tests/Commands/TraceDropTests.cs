using NetPerf.Cli;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>trace prints only the traced transaction's drops: none on a path that loses nothing.</summary>
public sealed class TraceDropTests
{
    [Fact]
    public void Trace_of_pod_cross_node_shows_no_drop_from_a_flood_before_the_transaction()
    {
        var (code, output, _) = CommandLine.Run("trace", Path.Combine(AppContext.BaseDirectory, "scenarios", "pod-cross-node.yaml"), "--path", "pod-cross-node");

        Assert.Equal(ExitCodes.Success, code);
        Assert.DoesNotContain("DROP", output); // was: "packet 0 dropped at node2/coredns/eth0: OtherHost", a copy cni0 flooded before it knew web-1's port (BridgeFloodTests)
    }
}
