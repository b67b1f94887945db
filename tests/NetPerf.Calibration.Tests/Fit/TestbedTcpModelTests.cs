using NetPerf.Calibration.Paths;
using NetPerf.Calibration.Probe;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Tests.Fit;

/// <summary>The single-hop TCP testbeds calibrate fits the new-connection and super-packet costs on.</summary>
public class TestbedTcpModelTests
{
    private static ModelFigures Run(Testbed bed, ProbeKind probe, CostTable? costs = null) =>
        TestbedTcpModel.Run(bed, probe, costs ?? CostTable.Profile("kind"), 64, 600, SimTime.FromMilliseconds(20), seed: 1, IptablesBackend.Nft);

    [Fact]
    public void A_connection_per_transaction_through_a_conntracking_router_makes_one_new_entry_each()
    {
        var costs = CostTable.Profile("kind");
        var tracked = Run(Testbed.RoutedConntrack, ProbeKind.TcpCrr, costs);
        var untracked = Run(Testbed.Routed, ProbeKind.TcpCrr, costs);

        // Only the router tracks: the SYN makes the entry, every later segment of both directions finds it.
        Assert.Equal(costs[KernelStage.ConntrackNew].FixedPicoseconds / 1000.0, tracked.CpuByStageNs[KernelStage.ConntrackNew], 1);
        Assert.False(untracked.CpuByStageNs.ContainsKey(KernelStage.ConntrackNew));
        Assert.True(tracked.P50Ns > untracked.P50Ns);
    }

    [Fact]
    public void A_stream_across_a_veth_pair_crosses_it_in_super_packets()
    {
        var costs = CostTable.Profile("kind");
        var stream = Run(Testbed.Veth, ProbeKind.TcpStream, costs);

        // GSO: a 64 KiB super-packet pays one fixed veth transmit, so per KiB the fixed part is far below one per 1448-byte frame.
        double perFrame = costs[KernelStage.VethTransmit].FixedPicoseconds / 1000.0 * 1024 / 1448;
        Assert.InRange(stream.CpuByStageNs[KernelStage.VethTransmit], 0, perFrame / 4);
        Assert.True(stream.GoodputGbps > 1);
    }
}
