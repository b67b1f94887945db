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
    public void Under_Ciliums_kube_proxy_replacement_a_node_holds_map_entries_not_iptables_rules()
    {
        // kubeProxyReplacement: Services and their backends are entries of Cilium's BPF maps (lb4_services_v2,
        // lb4_backends_v3), one each; kube-proxy and its KUBE-SERVICES chains are not there.
        var (code, output, _) = CommandLine.Run("validate", Scenario("cilium-kpr.yaml"));

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("per node 4 BPF service and backend entries (kube-proxy replaced)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("iptables rules", output, StringComparison.Ordinal);
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

    [Fact]
    public void Validate_prints_the_estimate_of_kubernetes_threshold_cluster_without_building_it()
    {
        // 5,000 nodes (a /19 node subnet, a /10 of /24 pod ranges), 150,000 pods in 600 deployments, 10,000 Services
        // of 250 endpoints: Kubernetes' published thresholds. Building it takes minutes and many GiB, so validate
        // estimates it and leaves the workload probe to run.
        string file = Path.Combine(Directory.CreateTempSubdirectory("netperf-threshold-").FullName, "threshold.yaml");
        string cluster = "{ nodes: 5000, cni: calico-vxlan, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/10 }";
        File.WriteAllText(file, $"""
            name: threshold
            cluster: {cluster}
            deployments: [{string.Join(", ", Enumerable.Range(0, 600).Select(i => $"{{ name: d{i}, replicas: 250, labels: {{ app: d{i} }} }}"))}]
            services: [{string.Join(", ", Enumerable.Range(0, 600).Select(i => $"{{ name: s{i}, selector: {{ app: d{i} }}, port: 80, count: {(i < 400 ? 17 : 16)} }}"))}]
            workloads: [{"{"} name: w, test: TCP_RR, paths: [cluster-ip] {"}"}]
            """);
        try
        {
            var (code, output, error) = CommandLine.Run("validate", "--max-memory", "32GiB", file);

            Assert.True(code == ExitCodes.Success, error);
            Assert.Contains("estimate: 5,000 nodes, 150,004 pods, 10,002 Services, 2,500,002 endpoints; per node 7,520,011 iptables rules, 4,999 routes to other nodes' pods", output, StringComparison.Ordinal);
            Assert.Contains("per simulation: about ", output, StringComparison.Ordinal);
            Assert.Contains("the workload probe (a first transaction over each path, on the cluster the run builds) was skipped", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("", "19,900 sessions in the node-to-node mesh, 199 peers per node")]
    [InlineData(", calico: { routeReflectors: 2 }", "397 sessions through 2 route reflectors, 2 peers per client and 199 per reflector")]
    public void Validate_prints_the_bgp_sessions_of_calicos_mesh_or_its_route_reflectors(string calico, string expected)
    {
        // 200 nodes: n(n-1)/2 = 19,900 in the mesh; 1 + 2 x 198 with two reflectors.
        string file = Path.Combine(Directory.CreateTempSubdirectory("netperf-bgp-").FullName, "bgp.yaml");
        File.WriteAllText(file, $$"""
            name: bgp
            cluster: { nodes: 200, cni: calico-bgp{{calico}} }
            workloads: [{ name: w, test: TCP_RR, paths: [pod-cross-node] }]
            """);
        try
        {
            var (code, output, error) = CommandLine.Run("validate", file);

            Assert.True(code == ExitCodes.Success, error);
            Assert.Contains($"BGP (calico-bgp): {expected}", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
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
