using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

/// <summary>scenarios/cilium-vs-calico.yaml.</summary>
public sealed class CiliumRun() : ShippedRun("cilium-vs-calico.yaml");

/// <summary>
/// Facts of Cilium's datapath the comparison must show on its CSV. Cilium's own benchmarks (docs.cilium.io, "CNI
/// Performance Benchmark"; the tuning guide's eBPF host-routing section) put Cilium with legacy host routing close
/// to Calico's iptables data plane, since both send pods' packets up the host stack and through netfilter, and
/// both behind the hostNetwork node-to-node path.
/// </summary>
public class CiliumFactsTests(CiliumRun run, ITestOutputHelper log) : IClassFixture<CiliumRun>
{
    private static readonly string[] Programs = ["BpfFromContainer", "BpfToContainer", "BpfFromNetdev", "BpfFromHost", "BpfFromOverlay", "BpfServiceNat"];

    [Fact]
    public void Legacy_host_routing_is_close_to_calico_and_both_are_clearly_behind_node_to_node_in_latency_and_cpu()
    {
        foreach (var metric in new[] { "latency", "cpu_per_request" })
        {
            double floor = run.Row("calico-bgp", "small", "node-to-node", metric).Mean;
            double calico = run.Row("calico-bgp", "small", "pod-cross-node", metric).Mean;
            double cilium = run.Row("cilium-native", "small", "pod-cross-node", metric).Mean;
            log.WriteLine($"{metric}: node-to-node {floor:F2}, calico-bgp {calico:F2}, cilium-native (legacy) {cilium:F2}: {cilium / calico:F3} x calico, {calico / floor:F3} x the floor");

            Assert.InRange(cilium / calico, 1.0, 1.15); // Cilium's programs on top of the same stack walk, within 15%
            Assert.True(calico / floor > 1.10, $"{metric}: the pod path should be clearly behind node-to-node");
            Assert.True(cilium / floor > 1.10);
        }
    }

    [Fact]
    public void What_legacy_cilium_costs_beyond_calico_is_its_bpf_programs_and_its_forward_rules()
    {
        double calico = run.Row("calico-bgp", "small", "pod-cross-node", "cpu_per_request").Mean * 1000;
        double cilium = run.Row("cilium-native", "small", "pod-cross-node", "cpu_per_request").Mean * 1000;
        double programs = Programs.Sum(p => run.Stage("cilium-native", "small", "pod-cross-node", p));
        double rules = run.Stage("cilium-native", "small", "pod-cross-node", "NftablesRule") - run.Stage("calico-bgp", "small", "pod-cross-node", "NftablesRule");
        log.WriteLine($"cilium - calico {cilium - calico:F1} ns per request; programs {programs:F1}, CILIUM_FORWARD rules {rules:F1}");

        Assert.True(programs > 0);
        Assert.True(rules > 0);
        Assert.Equal(cilium - calico, programs + rules, tolerance: (cilium - calico) * 0.05);
    }

    [Fact]
    public void A_pods_clusterip_is_translated_by_ciliums_program_and_never_by_kube_proxys_dnat()
    {
        foreach (var cilium in new[] { "cilium-native", "cilium-vxlan" })
        {
            Assert.Equal(0, run.Stage(cilium, "small", "cluster-ip", "Nat"));
            Assert.True(run.Stage(cilium, "small", "cluster-ip", "BpfServiceNat") > 0);
        }

        Assert.True(run.Stage("calico-bgp", "small", "cluster-ip", "Nat") > 0);
    }

    [Fact]
    public void Ciliums_tunnel_is_entered_from_the_pods_program_so_no_packet_is_forwarded_by_the_stack()
    {
        Assert.Equal(0, run.Stage("cilium-vxlan", "small", "pod-cross-node", "IpForward"));
        Assert.True(run.Stage("calico-vxlan", "small", "pod-cross-node", "IpForward") > 0);
        Assert.True(run.Stage("cilium-vxlan", "small", "pod-cross-node", "VxlanEncapsulate") > 0);
        Assert.True(run.Row("cilium-vxlan", "small", "pod-cross-node", "cpu_per_request").Mean > run.Row("cilium-native", "small", "pod-cross-node", "cpu_per_request").Mean);
    }
}
