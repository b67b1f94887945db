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
    public void A_cpu_bound_vxlan_stream_across_kind_nodes_gets_the_share_of_host_gws_goodput_the_kernel_gives()
    {
        // One TCP stream across the two nodes on one core, flannel-vxlan against flannel-host-gw, on 6.18.44-fc-v1252:
        // 10.822 / 12.962 Gbit/s = 0.835 in the run behind the shipped kind profile (chains-first-run,
        // calibration-default.csv) and 11.422 / 12.899 = 0.886 in a check run a session later (check-20261203): the
        // measured share moves by 0.05 between runs (streams' round spreads 12-24%). Issue 11's defect 4 was the
        // model's 0.75 (the tunnel's per-byte cost on every byte of a super-packet at both ends). The model is held
        // within 0.05 of the later run and 0.10 of the earlier (0.887 when this was written; on the v857 machine the
        // kernel gave 0.804).
        const double Fitted = 10.822 / 12.962, Check = 11.422 / 12.899;
        var paths = CalibrationPath.For(["flannel-vxlan", "flannel-host-gw"]);
        double Goodput(string name) => ClusterModel.Run(paths.Single(p => p.Name == name), CostTable.Profile("kind"), 64, 0,
            SimTime.FromMilliseconds(100), seed: 1, IptablesBackend.Nft, tcpInternalPacing: true).GoodputGbps;
        double ratio = Goodput("flannel-vxlan tcp-stream pod-cross-node") / Goodput("flannel-host-gw tcp-stream pod-cross-node");

        Assert.InRange(ratio, Check - 0.05, Check + 0.05);
        Assert.InRange(ratio, Fitted - 0.10, Fitted + 0.10);
    }
}
