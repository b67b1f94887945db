using NetPerf.Cli;
using NetPerf.Reporting;

namespace NetPerf.Cli.Tests.Commands;

/// <summary>run, compare, trace, describe and validate as a script would use them: exit codes, files, what is printed.</summary>
public sealed class ScenarioCommandTests : IDisposable
{
    private readonly string _results = Directory.CreateTempSubdirectory("netperf-cli-").FullName;

    private static string Scenario(string file) => Path.Combine(AppContext.BaseDirectory, "scenarios", file);
    private static string Broken(string file) => Path.Combine(AppContext.BaseDirectory, "Broken", file);

    public void Dispose() => Directory.Delete(_results, recursive: true);

    [Fact]
    public void Run_writes_the_scenario_its_metadata_the_CSV_the_plots_and_the_report()
    {
        var (code, output, _) = CommandLine.Run("run", Scenario("pod-cross-node.yaml"), "--quick", "--results-dir", _results, "--run-id", "smoke");

        Assert.Equal(ExitCodes.Success, code);
        string dir = Path.Combine(_results, "pod-cross-node", "smoke");
        Assert.Contains($"Results: {dir}", output);
        foreach (var file in new[] { "scenario.yaml", "run.json", "summary.csv", "cpu.csv", "report.html", "latency-cdf-pod-cross-node.svg", "latency-cdf-pod-cross-node.png", "cpu-pod-cross-node.svg", "throughput.png" })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} is missing");
        }

        Assert.Equal(File.ReadAllText(Scenario("pod-cross-node.yaml")), File.ReadAllText(Path.Combine(dir, "scenario.yaml")));
        var rows = CsvResults.ReadSummary(Path.Combine(dir, "summary.csv"));
        Assert.Equal(["calico-bgp", "calico-ipip", "flannel-host-gw", "flannel-vxlan"], rows.Select(r => r.Cni).Distinct().Order());
        Assert.Equal(["latest", "smoke"], Directory.GetFileSystemEntries(Path.Combine(_results, "pod-cross-node")).Select(Path.GetFileName).Order()); // no temporary folder left beside it
        Assert.Matches(@"pod-cross-node\s+calico-bgp\s+\d+\.\d+\s+\d+\.\d+\s+1\.000", output);

        // The stream has no requests: the report gives its goodput and CPU per byte, and no figure is NaN.
        string report = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("<th>goodput (Mbit/s)</th>", report);
        Assert.DoesNotContain("NaN", report);
        Assert.DoesNotContain(rows, r => r.Test == "TCP_STREAM" && r.Metric is "throughput" or "cpu_per_request");
    }

    [Fact]
    public void An_invalid_scenario_prints_every_error_with_its_place_runs_nothing_and_writes_nothing()
    {
        var (code, output, error) = CommandLine.Run("run", Broken("many-errors.yaml"), "--results-dir", _results);

        Assert.Equal(ExitCodes.InvalidScenario, code);
        Assert.Equal("", output);
        Assert.Contains($"{Broken("many-errors.yaml")}:7:10: error: cluster.nodes: 1 is out of range; allowed: 2 to 3840", error);
        Assert.Contains(":12:14: error: workloads[0].request: -5 is out of range", error);
        Assert.Contains("4 error(s); nothing was run.", error);
        Assert.Empty(Directory.GetFileSystemEntries(_results));
    }

    [Fact]
    public void Validate_passes_every_shipped_scenario_and_fails_a_broken_one()
    {
        var shipped = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.yaml");
        var (ok, output, _) = CommandLine.Run(["validate", .. shipped]);
        Assert.Equal(ExitCodes.Success, ok);
        Assert.Equal(shipped.Length, output.Split('\n').Count(l => l.Contains(": ok (")));

        var (bad, _, error) = CommandLine.Run("validate", Scenario("localhost.yaml"), Broken("bad-cni.yaml"));
        Assert.Equal(ExitCodes.InvalidScenario, bad);
        Assert.Contains("cluster.cni: 'flanel-vxlan' is not allowed (did you mean 'flannel-vxlan'?)", error);
    }

    [Fact]
    public void A_directory_given_as_the_scenario_is_refused_saying_so_not_access_denied()
    {
        var (code, _, error) = CommandLine.Run("validate", _results);

        Assert.Equal(ExitCodes.InvalidScenario, code);
        Assert.Contains($"{_results}:1:1: error: cannot read the scenario: it is a directory; give a scenario file", error);
        Assert.DoesNotContain("denied", error);
    }

    [Fact]
    public void A_cost_file_outside_the_scenario_folder_needs_allow_outside()
    {
        string folder = Directory.CreateDirectory(Path.Combine(_results, "s")).FullName;
        using (var shipped = typeof(NetPerf.Network.Cpu.CostTable).Assembly.GetManifestResourceStream("NetPerf.Network.cost-model.csv")!)
        using (var copy = File.Create(Path.Combine(_results, "costs.csv")))
        {
            shipped.CopyTo(copy);
        }

        string scenario = Path.Combine(folder, "s.yaml");
        File.WriteAllText(scenario, "costFile: ../costs.csv\nworkloads: [{name: a, test: TCP_RR}]\n");

        var (refused, _, error) = CommandLine.Run("validate", scenario);
        var (allowed, output, _) = CommandLine.Run("validate", "--allow-outside", scenario);

        Assert.Equal(ExitCodes.InvalidScenario, refused);
        Assert.Contains("or pass --allow-outside", error);
        Assert.Equal(ExitCodes.Success, allowed);
        Assert.Contains(": ok (", output);
    }

    [Fact]
    public void Describe_lists_nodes_pods_and_services_as_kubectl_does_and_the_route_to_a_remote_pod()
    {
        var (code, output, _) = CommandLine.Run("describe", Scenario("overlay-vs-calico.yaml"), "--variant", "flannel-vxlan");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Matches(@"node2\s+Ready\s+192\.168\.0\.2\s+10\.244\.2\.0/24", output);
        Assert.Matches(@"web-1\s+1/1\s+Running\s+10\.244\.2\.\d+\s+node2", output);
        Assert.Matches(@"web\s+NodePort\s+10\.96\.0\.20\s+80:30080/TCP", output);
        Assert.Contains("node1: 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink", output); // flannel's VXLAN route, as ip route shows it
    }

    [Fact]
    public void Describe_without_variant_describes_every_variant_in_order_each_with_its_own_route()
    {
        var (code, output, _) = CommandLine.Run("describe", Scenario("overlay-vs-calico.yaml"));

        Assert.Equal(ExitCodes.Success, code);
        var headers = output.Split('\n').Where(l => l.StartsWith("# overlay-vs-calico, variant ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["flannel-vxlan", "flannel-host-gw", "calico-bgp", "calico-ipip"], headers.Select(h => h["# overlay-vs-calico, variant ".Length..h.IndexOf(':', StringComparison.Ordinal)]));

        // Each variant's own node1 route to the remote pod, in the same order: VXLAN, host-gw's direct route, BIRD's, BIRD's over tunl0.
        var routes = output.Split('\n').Where(l => l.StartsWith("node1: 10.244.2.", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, routes.Count);
        Assert.Equal("node1: 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink", routes[0]);
        Assert.Equal("node1: 10.244.2.0/24 via 192.168.0.2 dev eth0", routes[1]);
        Assert.Equal("node1: 10.244.2.0/26 via 192.168.0.2 dev eth0 proto bird", routes[2]);
        Assert.Equal("node1: 10.244.2.0/26 via 192.168.0.2 dev tunl0 onlink proto bird", routes[3]);
    }

    [Fact]
    public void Describe_with_variant_describes_that_one_only()
    {
        var (code, output, _) = CommandLine.Run("describe", Scenario("overlay-vs-calico.yaml"), "--variant", "calico-bgp");

        Assert.Equal(ExitCodes.Success, code);
        Assert.StartsWith("# overlay-vs-calico, variant calico-bgp:", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.StartsWith("# overlay-vs-calico, variant ", StringComparison.Ordinal));
    }

    [Fact]
    public void Describe_says_no_kube_proxy_runs_where_Cilium_replaces_it()
    {
        var (code, output, _) = CommandLine.Run("describe", Scenario("cilium-kpr.yaml"));

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("kube-proxy replaced by Cilium's socket LB", output.Split('\n')[0], StringComparison.Ordinal);
        Assert.DoesNotContain("kube-proxy iptables", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_follows_one_transaction_hop_by_hop_through_the_VXLAN_tunnel()
    {
        var (code, output, _) = CommandLine.Run("trace", Scenario("overlay-vs-calico.yaml"), "--path", "pod-cross-node", "--variant", "flannel-vxlan");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Matches(@"node1/root/flannel\.1\s+VxlanEncapsulate", output);
        Assert.Matches(@"node2/root/flannel\.1\s+VxlanDecapsulate", output);
        Assert.Contains("CPU by stage over the transaction:", output);
    }

    [Fact]
    public void Trace_shows_the_hooks_a_ClusterIP_connection_crosses_and_the_DNAT_that_conntrack_applies_at_PREROUTING()
    {
        var (code, output, _) = CommandLine.Run("trace", Scenario("overlay-vs-calico.yaml"), "--path", "cluster-ip", "--variant", "calico-bgp");

        Assert.Equal(ExitCodes.Success, code);
        int dialled = output.IndexOf("> 10.96.0.20:80", StringComparison.Ordinal);
        int prerouting = output.IndexOf("NetfilterHook PREROUTING", dialled, StringComparison.Ordinal);
        int natted = output.IndexOf("> 10.244.2.2:8080", prerouting, StringComparison.Ordinal); // web-1, the Service's one endpoint
        Assert.True(dialled >= 0 && prerouting > dialled && natted > prerouting, output);
        Assert.Contains("NetfilterHook POSTROUTING", output);
    }

    [Fact]
    public void Every_broken_scenario_of_the_corpus_is_refused_with_exit_3_and_leaves_nothing_behind()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Broken"), "*.yaml"))
        {
            var (code, output, error) = CommandLine.Run("run", file, "--results-dir", _results);
            Assert.Equal(ExitCodes.InvalidScenario, code);
            Assert.Equal("", output);
            Assert.Contains($"{file}:", error);
            Assert.Empty(Directory.GetFileSystemEntries(_results));
        }
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("..")]
    [InlineData("a/b")]
    public void A_run_id_names_one_folder_and_nothing_else(string id)
    {
        var (code, _, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--results-dir", _results, "--run-id", id);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains($"--run-id '{id}' is not allowed", error);
        Assert.Empty(Directory.GetFileSystemEntries(_results));
    }

    [Fact]
    public void Compare_checks_the_variants_its_command_line_adds_and_refuses_host_gw_across_racks_before_simulating()
    {
        var (code, output, error) = CommandLine.Run("compare", Scenario("racks-crosssubnet.yaml"), "--cni", "calico-bgp", "flannel-host-gw", "--quick", "--results-dir", _results);
        Assert.Equal(ExitCodes.InvalidScenario, code);
        Assert.Equal("", output);
        Assert.Contains("racks-crosssubnet.yaml:13:10: error: cluster.racks: 2 racks put the nodes on 2 subnets", error);
        Assert.Empty(Directory.GetFileSystemEntries(_results));
    }

    [Fact]
    public void Trace_of_a_scenario_without_workloads_says_why_it_cannot()
    {
        var (code, _, error) = CommandLine.Run("trace", Scenario("bgp-convergence.yaml"), "--path", "pod-cross-node");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("trace needs a scenario with workloads; bgp-convergence has only a bgp block", error);
    }

    [Fact]
    public void An_output_root_that_cannot_hold_results_is_refused_before_simulating()
    {
        string file = Path.Combine(_results, "a-file");
        File.WriteAllText(file, "");
        var (code, _, error) = CommandLine.Run("run", Scenario("localhost.yaml"), "--quick", "--results-dir", file);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains($"--results-dir '{file}' cannot hold results", error);
        Assert.DoesNotContain("[1/", error); // nothing was simulated
    }

    [Fact]
    public void Trace_refuses_an_unknown_path_with_the_allowed_ones()
    {
        var (code, _, error) = CommandLine.Run("trace", Scenario("overlay-vs-calico.yaml"), "--path", "pod-to-pod");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("pod-same-node", error);
    }

    [Fact]
    public void Compare_prints_the_plugins_side_by_side_with_ratios_to_the_baseline()
    {
        var (code, output, _) = CommandLine.Run("compare", Scenario("pod-cross-node.yaml"), "--cni", "flannel-vxlan", "calico-bgp", "--baseline", "calico-bgp", "--quick", "--no-plots", "--results-dir", _results);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("ratios to calico-bgp", output);
        Assert.Matches(@"pod-cross-node\s+flannel-vxlan\s+\d+\.\d+\s+\d+\.\d+\s+1\.[1-9]\d\d", output); // VXLAN above 1.1x Calico's latency
        Assert.DoesNotContain("flannel-host-gw", output);
    }

    [Fact]
    public void Compare_refuses_a_baseline_that_is_not_compared()
    {
        var (code, _, error) = CommandLine.Run("compare", Scenario("pod-cross-node.yaml"), "--cni", "flannel-vxlan", "calico-bgp", "--baseline", "calico-ipip", "--results-dir", _results);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--baseline 'calico-ipip' is not among the compared variants: flannel-vxlan, calico-bgp", error);
        Assert.Empty(Directory.GetFileSystemEntries(_results));
    }
}
