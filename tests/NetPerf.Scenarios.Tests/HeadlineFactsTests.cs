using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Tracing;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

/// <summary>Facts of networking the headline comparison must show, checked on its CSV.</summary>
public class HeadlineFactsTests(HeadlineRun run, ITestOutputHelper log) : IClassFixture<HeadlineRun>
{
    private static readonly string[] Cnis = ["flannel-vxlan", "flannel-host-gw", "calico-bgp", "calico-ipip"];
    private static readonly string[] Workloads = ["small", "large"];

    [Fact]
    public void Localhost_rows_are_identical_across_CNIs_because_no_CNI_is_crossed()
    {
        foreach (var w in Workloads)
        {
            var rows = Cnis.Select(c => run.Summary.Where(r => r.Variant == c && r.Workload == w && r.Path == "localhost")
                .Select(r => (r.Metric, r.Count, r.Mean, r.Ci95, r.P50, r.P90, r.P99, r.P999)).ToList()).ToList();
            Assert.NotEmpty(rows[0]);
            Assert.All(rows.Skip(1), r => Assert.Equal(rows[0], r));
            var cpu = Cnis.Select(c => run.Stages(c, w, "localhost")).ToList();
            Assert.All(cpu.Skip(1), c => Assert.Equal(cpu[0], c));
        }
    }

    [Theory]
    [InlineData("pod-cross-node")]
    [InlineData("cluster-ip")]
    [InlineData("node-port")]
    [InlineData("load-balancer")]
    [InlineData("headless")]
    public void Across_nodes_the_VXLAN_overlay_costs_more_latency_and_CPU_per_request_than_Calico_direct_routing(string path)
    {
        foreach (var w in Workloads)
        {
            var vxlan = (Latency: run.Row("flannel-vxlan", w, path, "latency"), Cpu: run.Row("flannel-vxlan", w, path, "cpu_per_request"));
            var bgp = (Latency: run.Row("calico-bgp", w, path, "latency"), Cpu: run.Row("calico-bgp", w, path, "cpu_per_request"));
            log.WriteLine($"{w} {path}: p50 {vxlan.Latency.P50:F2} vs {bgp.Latency.P50:F2} us, cpu {vxlan.Cpu.Mean:F3} vs {bgp.Cpu.Mean:F3} us");
            Assert.True(vxlan.Latency.P50 > bgp.Latency.P50);
            Assert.True(vxlan.Latency.Mean > bgp.Latency.Mean);
            Assert.True(vxlan.Cpu.Mean > bgp.Cpu.Mean);
        }
    }

    [Fact]
    public void The_CPU_difference_per_request_equals_the_extra_stages_trace_shows_for_one_transaction()
    {
        var w = run.Scenario.Workloads.Single(x => x.Name == "small");
        var variants = run.Scenario.Variants();
        var vxlan = PathTrace.Run(run.Scenario, variants.Single(v => v.Cni.Name == "flannel-vxlan"), w, CommunicationPath.PodCrossNode);
        var bgp = PathTrace.Run(run.Scenario, variants.Single(v => v.Cni.Name == "calico-bgp"), w, CommunicationPath.PodCrossNode);
        var extra = vxlan.ByStage.ToDictionary(s => s.Stage, s => s.Nanoseconds);
        foreach (var s in bgp.ByStage)
        {
            extra[s.Stage] = extra.GetValueOrDefault(s.Stage) - s.Nanoseconds;
        }

        double traced = extra.Values.Sum();
        double measured = (run.Row("flannel-vxlan", "small", "pod-cross-node", "cpu_per_request").Mean
            - run.Row("calico-bgp", "small", "pod-cross-node", "cpu_per_request").Mean) * 1000;
        log.WriteLine($"extra stages: {string.Join(", ", extra.Where(e => Math.Abs(e.Value) > 0.05).Select(e => $"{e.Key} {e.Value:+0.0;-0.0}"))}");
        log.WriteLine($"traced {traced:F1} ns, measured {measured:F1} ns");

        Assert.True(extra[Network.Cpu.KernelStage.VxlanEncapsulate] > 0 && extra[Network.Cpu.KernelStage.VxlanDecapsulate] > 0);
        // Window edges: the quick run measures about 90 transactions in 5 ms, and a transaction cut by the window's
        // edges moves each variant's CPU per request by up to about 1% of it (one transaction's share): 2% on the difference.
        Assert.Equal(traced, measured, tolerance: traced * 0.02);
    }

    [Fact]
    public void Same_node_paths_differ_only_by_what_the_bridge_or_the_routed_veth_costs()
    {
        // Both flannel plugins put same-node pods on cni0, both Calico ones route them: identical within each.
        foreach (var w in Workloads)
        {
            Assert.Equal(run.Stages("flannel-vxlan", w, "pod-same-node"), run.Stages("flannel-host-gw", w, "pod-same-node"));
            Assert.Equal(run.Stages("calico-bgp", w, "pod-same-node"), run.Stages("calico-ipip", w, "pod-same-node"));

            // Between a bridge and a router, the sockets, TCP and the veths cost the same; only the host's
            // forwarding differs: the bridge's FDB and br_netfilter (its own work and the hooks it calls) against IP
            // input, the FIB and forwarding.
            var bridge = run.Stages("flannel-vxlan", w, "pod-same-node");
            var routed = run.Stages("calico-bgp", w, "pod-same-node");
            string[] forwarding = ["BridgeForward", "BridgeNetfilter", "IpInput", "IpForward", "FibLookup", "NetfilterHook", "NftablesRule", "ConntrackLookup"];
            // Per request over a short window: a transaction cut by the window's edges moves a stage's figure by
            // up to a few tenths of a percent, so "the same" is within 1%.
            var differ = bridge.Keys.Union(routed.Keys).Where(s => Math.Abs(bridge.GetValueOrDefault(s) - routed.GetValueOrDefault(s)) > 0.01 * Math.Max(bridge.GetValueOrDefault(s), routed.GetValueOrDefault(s))).ToList();
            log.WriteLine($"{w}: differ in {string.Join(", ", differ.Select(s => $"{s} {bridge.GetValueOrDefault(s):F1}/{routed.GetValueOrDefault(s):F1}"))}");
            Assert.Contains("BridgeForward", differ);
            Assert.All(differ, s => Assert.Contains(s, forwarding));
        }
    }
}
