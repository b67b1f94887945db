using NetPerf.Calibration.Fit;
using NetPerf.Calibration.Paths;
using NetPerf.Calibration.Probe;

namespace NetPerf.Calibration.Tests.Fit;

/// <summary>
/// What a DNAT router adds to the same router with conntrack is measured side by side: calibrate runs every path
/// once in each round, so a phase of the machine that slows one round shows in that round's pair, not across pairs.
/// </summary>
public class PairedDifferenceTests
{
    private static ProbeResult Round(double p50Ns) => new(10_000, p50Ns, p50Ns + 1_000, p50Ns + 20_000, p50Ns + 40_000, p50Ns + 500,
        WallNs: 200_000_000, BusyNs: 0, StealNs: 0, ClientUserNs: 10_000_000, ServerUserNs: 10_000_000);

    private static readonly IReadOnlyList<CalibrationPath> Paths = CalibrationPath.For(["flannel-host-gw"]);
    private static readonly CalibrationPath Conntrack = Paths.First(p => p.Name == "udp routed+conntrack");
    private static readonly CalibrationPath Dnat = Paths.First(p => p.Name == "udp routed+dnat");

    [Fact]
    public void A_disturbance_of_one_path_in_one_round_does_not_become_the_difference()
    {
        // Two rewrites and the nat hooks cost 300 ns a round trip in every round; in round 2 the DNAT path alone met
        // another program's time slice (+350 ns), in the round where the conntrack router was quietest.
        var conntrack = new PathMeasurement(Conntrack, [Round(20_000), Round(19_600), Round(20_100), Round(20_050), Round(20_200)]);
        var dnat = new PathMeasurement(Dnat, [Round(20_300), Round(20_250), Round(20_400), Round(20_350), Round(20_500)]);

        Assert.Equal(300, dnat.PairedP50DifferenceNs(conntrack), 6);
        // The quietest rounds of each, paired across rounds, take the disturbance for the difference.
        Assert.Equal(650, dnat.P50Ns - conntrack.P50Ns, 6);
    }

    [Fact]
    public void A_slow_phase_that_lifts_both_paths_alike_cancels()
    {
        // Rounds 3 and 4 ran in a slow phase of the machine (+1.5 us on everything): pairs cancel it wherever it falls.
        var conntrack = new PathMeasurement(Conntrack, [Round(20_000), Round(20_100), Round(21_500), Round(21_600), Round(20_050)]);
        var dnat = new PathMeasurement(Dnat, [Round(20_280), Round(20_400), Round(21_800), Round(21_920), Round(20_330)]);

        Assert.Equal(300, dnat.PairedP50DifferenceNs(conntrack), 6);
    }

    [Fact]
    public void Rounds_that_cannot_be_paired_give_the_difference_of_the_quietest()
    {
        var conntrack = new PathMeasurement(Conntrack, [Round(20_000), Round(19_600), Round(20_100)]);
        var dnat = new PathMeasurement(Dnat, [Round(20_300), Round(20_250)]);

        Assert.Equal(650, dnat.PairedP50DifferenceNs(conntrack), 6);
    }
}
