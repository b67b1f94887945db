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
        // Counted in entries per transaction (the stage's time over its cost), to 2%: a run's first and last
        // connections straddle the measured window.
        Assert.InRange(tracked.CpuByStageNs[KernelStage.ConntrackNew] / (costs[KernelStage.ConntrackNew].FixedPicoseconds / 1000.0), 0.98, 1.02);
        Assert.False(untracked.CpuByStageNs.ContainsKey(KernelStage.ConntrackNew));
        Assert.True(tracked.P50Ns > untracked.P50Ns);
    }

    [Fact]
    public void Every_tcp_segment_through_a_conntracking_router_pays_tcp_state_tracking_and_an_established_exchange_makes_no_entries()
    {
        var costs = CostTable.Profile("kind");
        var tracked = Run(Testbed.RoutedConntrack, ProbeKind.TcpRr, costs);
        double Count(KernelStage s) => tracked.CpuByStageNs.GetValueOrDefault(s) / (costs[s].FixedPicoseconds / 1000.0);

        // nf_conntrack_tcp_packet runs for each segment nf_conntrack_in finds: as many as the lookups, at least the
        // request and the response of each transaction (to the 0.5% by which the window cuts transactions); one
        // long-lived connection makes no new entries once set up.
        Assert.InRange(Count(KernelStage.ConntrackTcpState) / Count(KernelStage.ConntrackLookup), 0.999, 1.001);
        Assert.True(Count(KernelStage.ConntrackTcpState) >= 1.99, $"{Count(KernelStage.ConntrackTcpState):F2} TCP state checks per transaction");
        Assert.InRange(Count(KernelStage.ConntrackNew), 0, 0.01);

        // UDP's tracking (nf_conntrack_udp_packet) has no state machine and no window.
        var udp = TestbedModel.CpuByStage(Testbed.RoutedConntrack, costs, 64, IptablesBackend.Nft);
        Assert.False(udp.ContainsKey(KernelStage.ConntrackTcpState));
        Assert.True(udp[KernelStage.ConntrackLookup] > 0);
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
