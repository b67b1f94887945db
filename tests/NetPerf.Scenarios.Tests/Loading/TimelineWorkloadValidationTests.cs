using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>startWorkload and stopWorkload name one of the scenario's workloads, each at most once, the stop after the start: refused at the entry otherwise.</summary>
public class TimelineWorkloadValidationTests
{
    private const string Base = """
        duration: 100ms
        together: true
        cluster: {cni: calico-bgp}
        workloads:
          - {name: rr, test: TCP_RR, paths: [pod-cross-node]}
          - {name: load, test: TCP_RR, paths: [node-to-node]}

        """;

    private static ScenarioError Only(string timeline)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base + timeline, "t.yaml"));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void A_workload_is_started_and_stopped_by_name()
    {
        var s = ScenarioReader.Parse(Base + "timeline:\n  - {at: 10ms, action: startWorkload, workload: load}\n  - {at: 50ms, action: stopWorkload, workload: load}\n", "t.yaml");
        Assert.Equal([(TimelineAction.StartWorkload, "startWorkload load"), (TimelineAction.StopWorkload, "stopWorkload load")], s.Timeline.Select(e => (e.Action, e.Label)));
    }

    [Fact]
    public void An_unknown_workload_is_refused_at_its_name_with_the_workloads_allowed()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: startWorkload, workload: lod}\n");
        Assert.Equal((8, 49), (error.Line, error.Column)); // six lines of Base, "timeline:", then the entry's workload value
        Assert.Equal("timeline[0].workload: no workload named 'lod' (did you mean 'load'?); allowed: rr, load", error.Message);
    }

    [Fact]
    public void A_stop_before_or_at_the_start_is_refused_at_the_stops_time()
    {
        var error = Only("timeline:\n  - {at: 50ms, action: startWorkload, workload: load}\n  - {at: 20ms, action: stopWorkload, workload: load}\n");
        Assert.Equal((9, 10), (error.Line, error.Column));
        Assert.Equal("timeline[1].at: stopWorkload of 'load' at 20ms is not after its start at 50ms (timeline[0]); allowed: a time after 50ms", error.Message);
        Assert.Equal("timeline[1].at: stopWorkload of 'load' at 50ms is not after its start at 50ms (timeline[0]); allowed: a time after 50ms",
            Only("timeline:\n  - {at: 50ms, action: startWorkload, workload: load}\n  - {at: 50ms, action: stopWorkload, workload: load}\n").Message);
    }

    [Fact]
    public void A_second_start_or_a_key_of_another_action_is_refused()
    {
        Assert.Equal("timeline[1].workload: startWorkload of 'load' again (timeline[0] at 10ms); allowed: one startWorkload and one stopWorkload per workload",
            Only("timeline:\n  - {at: 10ms, action: startWorkload, workload: load}\n  - {at: 20ms, action: startWorkload, workload: load}\n").Message);
        Assert.Equal("timeline[0].node: not used by startWorkload; startWorkload takes workload",
            Only("timeline:\n  - {at: 10ms, action: startWorkload, workload: load, node: 2}\n").Message);
    }
}
