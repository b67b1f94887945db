using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

/// <summary>A scenario's bgp block: the experiments it expands into and the facts their rows must show.</summary>
public class BgpScenarioTests
{
    private const string Yaml = """
        name: bgp-small
        bgp:
          nodes: [6]
          topology: [full-mesh, route-reflectors]
          reflectors: 2
          hold: 9s
          failNode: 4
          failAt: 20s
          joinAt: 30s
        """;

    [Fact]
    public void A_full_mesh_has_n_n_minus_1_over_2_sessions_reflectors_2_per_client_and_a_failure_is_withdrawn_within_the_hold_time()
    {
        var scenario = ScenarioReader.Parse(Yaml, "bgp-small.yaml");
        var results = ResultSetBuilder.Build(ScenarioRunner.Run(scenario, new RunOptions()));

        var mesh = results.Bgp.Single(r => r.Topology == "full-mesh");
        var rr = results.Bgp.Single(r => r.Topology == "route-reflectors");
        Assert.Equal(6 * 5 / 2, mesh.Sessions);
        Assert.Equal((2 * 4) + 1, rr.Sessions); // 2 per client, and the reflectors with each other
        foreach (var r in results.Bgp)
        {
            Assert.Equal(r.PeersOfFailedNode, r.PeersWithdrawn);
            Assert.InRange(r.WithdrawnFirstMs!.Value, 6000 + 1e-9, 9000); // (hold - keepalive, hold]: the last keepalive came 0-3 s before t0
            Assert.InRange(r.WithdrawnLastMs!.Value, r.WithdrawnFirstMs!.Value, 9000);
            Assert.NotNull(r.JoinReachableFromAllMs);
        }
    }

    [Fact]
    public void Bgp_rows_round_trip_through_bgp_csv()
    {
        var scenario = ScenarioReader.Parse(Yaml, "bgp-small.yaml");
        var results = ResultSetBuilder.Build(ScenarioRunner.Run(scenario, new RunOptions { Quick = true }));
        var dir = Directory.CreateTempSubdirectory("netperf-bgp-").FullName;
        try
        {
            CsvResults.Write(results, dir);
            Assert.Equal(results.Bgp, CsvResults.ReadBgp(Path.Combine(dir, CsvResults.BgpFile)));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_failing_node_that_does_not_exist_is_refused_where_it_is_written()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Yaml.Replace("failNode: 4", "failNode: 9"), "bgp-small.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Equal((7, 13), (error.Line, error.Column));
        Assert.StartsWith("bgp.failNode: node 9 does not exist in the 6-node cluster", error.Message);
    }
}
