using System.Text.Json;
using NetPerf.Cli.Commands;
using NetPerf.Engine.Time;
using NetPerf.Scenarios.Running;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>validate prints each scenario's estimate; --max-memory refuses what would not fit, before anything is built.</summary>
public sealed class EstimateCommandTests
{
    private static string Scenario(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);

    [Fact]
    public void Validate_prints_rules_per_node_memory_and_events_for_the_largest_variant()
    {
        var (code, output, _) = CommandLine.Run("validate", Scenario("kube-proxy-scaling.yaml"));

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("estimate (the largest variant, iptables/10000svc): 2 nodes, 4 pods, 10,002 Services, 10,002 endpoints; per node 50,011 iptables rules", output, StringComparison.Ordinal);
        Assert.Contains("events per simulated second", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_json_carries_each_variants_estimate()
    {
        var (code, output, _) = CommandLine.Run("validate", "-o", "json", Scenario("kube-proxy-scaling.yaml"));

        Assert.Equal(ExitCodes.Success, code);
        using var doc = JsonDocument.Parse(output);
        var estimate = doc.RootElement[0].GetProperty("estimate").EnumerateArray().ToList();
        Assert.Equal(12, estimate.Count); // 3 modes x 4 Service counts
        var ipvs = estimate.Single(e => e.GetProperty("variant").GetString() == "ipvs/10000svc");
        Assert.Equal(10_002 + 10_002, ipvs.GetProperty("rulesPerNode").GetInt64()); // virtual services and real servers
        Assert.True(ipvs.GetProperty("bytes").GetInt64() > estimate.Single(e => e.GetProperty("variant").GetString() == "ipvs/10svc").GetProperty("bytes").GetInt64());
    }

    [Fact]
    public void A_max_memory_below_the_estimate_refuses_the_scenario_with_exit_3_and_nothing_run()
    {
        var (code, _, error) = CommandLine.Run("validate", "--max-memory", "2MiB", Scenario("kube-proxy-scaling.yaml"));

        Assert.Equal(ExitCodes.InvalidScenario, code);
        Assert.Contains("over the limit of 2 MiB", error, StringComparison.Ordinal);
        Assert.Contains("compare.services", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("12")]
    [InlineData("150%")]
    [InlineData("-1GiB")]
    public void A_max_memory_that_is_not_a_size_is_a_usage_error(string value)
    {
        var (code, _, error) = CommandLine.Run("validate", "--max-memory", value, Scenario("localhost.yaml"));

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--max-memory", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_says_how_far_a_simulation_is_in_simulated_time_and_its_events_per_second()
    {
        var rates = new SimulationRates();
        var t0 = new DateTime(2026, 12, 2, 8, 0, 0, DateTimeKind.Utc);
        rates.Update([new SimulationStatus(3, "calico-bgp/rr/cluster-ip", SimTime.FromMilliseconds(1), SimTime.FromMilliseconds(55), 1_000_000)], t0);

        var later = Assert.Single(rates.Update([new SimulationStatus(3, "calico-bgp/rr/cluster-ip", SimTime.FromMilliseconds(12.5), SimTime.FromMilliseconds(55), 3_000_000)], t0.AddSeconds(4)));

        Assert.Equal(TimeSpan.FromSeconds(4), later.Running);
        Assert.Equal("calico-bgp/rr/cluster-ip: 12.5 of 55.0 ms simulated, 500,000 events/s", later.Text);
    }
}
