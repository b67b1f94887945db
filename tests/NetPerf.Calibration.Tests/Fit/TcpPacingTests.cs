using NetPerf.Calibration.Paths;
using NetPerf.Calibration.Probe;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Tests.Fit;

/// <summary>
/// TCP's internal pacing (BBR without fq, cluster.tcpPacing: internal) on calibrate's stream testbeds, and the
/// VXLAN stream's share of a routed one's goodput on one core (issue 11's defect 4), both against
/// tools/kernel-costs/measure-stream.sh's runs on the kind profile's machine.
/// </summary>
public class TcpPacingTests
{
    private static ModelFigures Stream(Testbed bed, bool paced) =>
        TestbedTcpModel.Run(bed, ProbeKind.TcpStream, CostTable.Profile("kind"), 64, 0, SimTime.FromMilliseconds(20), seed: 1, IptablesBackend.Nft, paced);

    [Fact]
    public void An_unpaced_stream_never_fires_the_pacing_timer_and_a_paced_one_pays_for_each_timer_it_waits_for()
    {
        var unpaced = Stream(Testbed.Veth, paced: false);
        var paced = Stream(Testbed.Veth, paced: true);

        // CUBIC (Linux's default) does not pace: no timer, no cost. With pacing, the timers' CPU is extra work on the
        // stream's one core, so each KiB costs more and the core moves fewer of them.
        Assert.False(unpaced.CpuByStageNs.ContainsKey(KernelStage.TcpPacingTimer));
        Assert.True(paced.CpuByStageNs[KernelStage.TcpPacingTimer] > 0);
        Assert.True(paced.KernelCpuNs > unpaced.KernelCpuNs);
        Assert.True(paced.GoodputGbps < unpaced.GoodputGbps);

        // A packet sent as soon as its send is attempted (the departure time already past) needs no timer, so there
        // are fewer timers than super-packets: at most one per 64 KiB super-packet (1448-byte segments, 45 each).
        double timersPerKib = paced.CpuByStageNs[KernelStage.TcpPacingTimer] / (CostTable.Profile("kind")[KernelStage.TcpPacingTimer].FixedPicoseconds / 1000.0);
        Assert.InRange(timersPerKib, 0, 1.0 / (45 * 1448 / 1024.0));
    }

    [Fact]
    public void A_cpu_bound_vxlan_stream_across_kind_nodes_gets_a_share_of_host_gws_goodput_near_the_measured_one_still_outside_the_band()
    {
        // The stored calibration behind the shipped kind profile (tools/kernel-costs/calibration-6.18.44-fc-v857,
        // calibration.csv): one TCP stream across the two nodes on one core, flannel-vxlan 10.151 Gbit/s against
        // flannel-host-gw 12.622: 0.804 (measure-stream.sh's testbeds: VXLAN between routers 0.781 of one router).
        // Issue 11's defect 4 was the model's 0.75 (the tunnel's per-byte cost on every byte of a super-packet at both
        // ends); the model now gives about 0.85: too cheap a tunnel by just over the 0.05 band (0.0503 when
        // this was written), a miss this test keeps visible: it fails when the model comes inside the band, and
        // when it drifts further than 0.1.
        const double Measured = 10.151 / 12.622;
        var paths = CalibrationPath.For(["flannel-vxlan", "flannel-host-gw"]);
        double Goodput(string name) => ClusterModel.Run(paths.Single(p => p.Name == name), CostTable.Profile("kind"), 64, 0,
            SimTime.FromMilliseconds(100), seed: 1, IptablesBackend.Nft, tcpInternalPacing: true).GoodputGbps;
        double ratio = Goodput("flannel-vxlan tcp-stream pod-cross-node") / Goodput("flannel-host-gw tcp-stream pod-cross-node");

        Assert.InRange(ratio, Measured + 0.05, Measured + 0.10);
    }
}
