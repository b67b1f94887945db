using NetPerf.Calibration.Fit;
using NetPerf.Calibration.Paths;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;

namespace NetPerf.Calibration.Tests.Fit;

/// <summary>
/// A first run's premium (a stage's code cold until a packet's journey first needs it): one hop against the marginal
/// hop of a chain of four tells it from the steady cost, and the fit gives back premiums that made the measurements.
/// </summary>
public class ColdFirstRunFitTests
{
    private static readonly Testbed[] Beds =
    [
        Testbed.Loopback, Testbed.Veth, Testbed.Bridge, Testbed.BridgeConntrack, Testbed.Routed, Testbed.RoutedConntrack, Testbed.RoutedDnat,
        Testbed.BridgeChain, Testbed.BridgeChainConntrack, Testbed.RoutedChain, Testbed.RoutedChainConntrack, Testbed.Vxlan, Testbed.VxlanConntrack,
    ];

    private static CostTable WithCold(CostTable prior, Dictionary<string, double> premiums)
    {
        var t = prior.Clone();
        foreach (var g in StageGroup.All.Where(g => premiums.ContainsKey(g.Name)))
        {
            foreach (var s in g.Stages)
            {
                t[s] = t[s] with { ColdPicoseconds = (long)(prior[s].FixedPicoseconds * premiums[g.Name]) };
            }
        }

        return t;
    }

    private static IReadOnlyDictionary<KernelStage, double> Ns(Testbed bed, CostTable costs) => TestbedModel.CpuByStage(bed, costs, 64, IptablesBackend.Nft);

    [Fact]
    public void A_conntrack_lookup_costs_its_premium_once_a_journey_however_many_namespaces_track_it()
    {
        var prior = CostTable.Default();
        var cold = WithCold(prior, new() { ["conntrack"] = 1.0 });
        double Extra(Testbed bed) => Ns(bed, cold)[KernelStage.ConntrackLookup] - Ns(bed, prior)[KernelStage.ConntrackLookup];
        double lookup = prior[KernelStage.ConntrackLookup].FixedPicoseconds / 1000.0;

        // Request and response are two journeys: one premium each, through one conntracking router or through four.
        Assert.Equal(2 * lookup, Extra(Testbed.RoutedConntrack), 3);
        Assert.Equal(2 * lookup, Extra(Testbed.RoutedChainConntrack), 3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Measurements_made_by_a_table_with_first_run_premiums_give_them_back_and_without_them_give_none(bool premiums)
    {
        var prior = CostTable.Default();
        var truth = premiums ? WithCold(prior, new() { ["conntrack"] = 1.2, ["br_netfilter"] = 0.6, ["link"] = 0.5 }) : prior;
        var unit = WithCold(prior, StageGroup.All.Where(g => g.Cold).ToDictionary(g => g.Name, _ => 1.0));
        var equations = Beds.Select(b =>
        {
            var p = Ns(b, prior);
            var u = Ns(b, unit);
            IReadOnlyDictionary<KernelStage, double> coldNs = u.Keys.ToDictionary(s => s, s => u[s] - p.GetValueOrDefault(s));
            return (b.ToString(), p, (IReadOnlyDictionary<KernelStage, double>)new Dictionary<KernelStage, double>(), coldNs, Ns(b, truth).Values.Sum());
        }).ToList();

        var fit = CostFit.Fit(prior, equations);
        var premium = fit.Cold.ToDictionary(c => c.Group.Name, c => c.Factor);
        var steady = fit.Factors.ToDictionary(c => c.Group.Name, c => c.Factor);

        Assert.All(fit.Residuals, r => Assert.InRange(r, -0.01, 0.01));
        if (!premiums)
        {
            // Hops that cost the same each time: no premium found, every steady factor where it was.
            Assert.All(fit.Cold, c => Assert.InRange(c.Factor, 0, 0.02));
            Assert.All(fit.Factors.Where(f => f.Group.Stages.Any(s => fit.Table[s].FixedPicoseconds > 0)), f => Assert.InRange(f.Factor, 0.97, 1.03));
            return;
        }

        // Found, and the steady costs left where they were; the ridge keeps a little of each premium back.
        Assert.InRange(premium["conntrack"], 1.05, 1.25);
        Assert.InRange(premium["br_netfilter"], 0.45, 0.65);
        Assert.InRange(premium["link"], 0.40, 0.55);
        Assert.InRange(premium["bridge"], 0, 0.1);
        Assert.InRange(steady["conntrack"], 0.95, 1.05);
        Assert.InRange(steady["link"], 0.95, 1.05);
        Assert.All(fit.Residuals, r => Assert.InRange(r, -0.01, 0.01));
        Assert.Equal((long)(prior[KernelStage.ConntrackLookup].FixedPicoseconds * premium["conntrack"]), fit.Table[KernelStage.ConntrackLookup].ColdPicoseconds, 1.0);
    }
}
