using NetPerf.Engine.Time;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>cluster.interZoneDelay: zones that cost something, only where the fabric can put the cost.</summary>
public class InterZoneDelayTests
{
    private const string Workload = "workloads: [{name: rr, test: TCP_RR, paths: [pod-cross-node]}]\n";

    [Fact]
    public void Zones_cost_nothing_unless_the_scenario_says_what_they_cost()
    {
        Assert.Equal(SimTime.Zero, ScenarioReader.Parse($"cluster: {{nodes: 4, zones: 2, racks: 2}}\n{Workload}", "z.yaml").Cluster.InterZoneDelay);
        Assert.Equal(SimTime.FromMicroseconds(400), ScenarioReader.Parse($"cluster: {{nodes: 4, zones: 2, racks: 2, interZoneDelay: 400us}}\n{Workload}", "z.yaml").Cluster.InterZoneDelay);
    }

    [Fact]
    public void A_delay_between_zones_on_one_switch_is_refused_at_its_line_with_what_it_needs()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse($"cluster:\n  nodes: 4\n  zones: 2\n  interZoneDelay: 1ms\n{Workload}", "z.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(("z.yaml", 4, 19), (error.File, error.Line, error.Column));
        Assert.Contains("racks equal to zones (here zones 2, racks 1)", error.Message, StringComparison.Ordinal);
    }
}
