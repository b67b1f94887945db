using NetPerf.Reporting;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

/// <summary>scenarios/cilium-kpr.yaml: one variant, cilium-native.</summary>
public sealed class CiliumKprRun() : ShippedRun("cilium-kpr.yaml")
{
    public SummaryRow Row(string workload, string path, string metric) => Row("cilium-native", workload, path, metric);

    public double Stage(string workload, string path, string stage) => Stage("cilium-native", workload, path, stage);
}

/// <summary>
/// Cilium with kube-proxy replacement and eBPF host routing on the CSV, against the same cluster with legacy host
/// routing and kube-proxy (cilium-vs-calico.yaml). Cilium's tuning guide and its CNI benchmark put eBPF host
/// routing's pod-to-pod request/response within a few percent of the hostNetwork node-to-node path, and legacy
/// host routing clearly behind.
/// </summary>
public class CiliumKprFactsTests(CiliumKprRun kpr, CiliumRun legacy, ITestOutputHelper log) : IClassFixture<CiliumKprRun>, IClassFixture<CiliumRun>
{
    [Fact]
    public void Ebpf_host_routing_rr_across_nodes_is_within_a_few_percent_of_node_to_node_and_legacy_is_clearly_behind()
    {
        foreach (var metric in new[] { "latency", "cpu_per_request" })
        {
            double floor = kpr.Row("small", "node-to-node", metric).Mean;
            double ebpf = kpr.Row("small", "pod-cross-node", metric).Mean;
            double old = legacy.Row("cilium-native", "small", "pod-cross-node", metric).Mean;
            log.WriteLine($"{metric}: node-to-node {floor:F2}, eBPF host routing {ebpf:F2} ({ebpf / floor:F3} x), legacy {old:F2} ({old / floor:F3} x)");

            Assert.InRange(ebpf / floor, 0.95, 1.05);
            Assert.True(old / ebpf > 1.15, $"{metric}: legacy host routing should be clearly behind eBPF's");
        }
    }

    [Fact]
    public void A_ClusterIP_connection_pays_socket_LB_once_per_connect_and_no_packet_is_translated_or_meets_kube_proxy()
    {
        double perConnect = Network.Cpu.CostTable.Default()[Network.Cpu.KernelStage.BpfSocketLb].FixedPicoseconds / 1000.0;
        Assert.Equal(perConnect, kpr.Stage("connect", "cluster-ip", "BpfSocketLb"), 3); // TCP_CRR: one connect() a transaction
        Assert.Equal(0, kpr.Stage("connect", "pod-cross-node", "BpfSocketLb"));
        // TCP_RR: each client's one connect() falls in the warmup, so not one of the measured transactions pays it.
        Assert.Equal(0, kpr.Stage("small", "cluster-ip", "BpfSocketLb"));
        foreach (var workload in new[] { "small", "connect" })
        {
            Assert.Equal(0, kpr.Stage(workload, "cluster-ip", "BpfServiceNat"));
            Assert.Equal(0, kpr.Stage(workload, "cluster-ip", "NftablesRule"));
        }
    }

    [Fact]
    public void Ebpf_host_routing_without_kube_proxy_replacement_falls_back_to_legacy_with_a_warning_at_the_line()
    {
        const string Yaml = """
            name: fallback
            cluster:
              cni: cilium-native
              cilium:
                bpfMasquerade: true
                hostRouting: ebpf
            workloads:
              - { name: rr, test: TCP_RR, paths: [pod-cross-node] }
            """;
        var warnings = new List<string>();
        var scenario = ScenarioReader.Parse(Yaml, "fallback.yaml", warnings);

        Assert.Equal(Kubernetes.Cni.Cilium.CiliumHostRouting.Legacy, scenario.Cluster.Cilium.HostRouting);
        var warning = Assert.Single(warnings, w => w.Contains("hostRouting"));
        Assert.StartsWith("fallback.yaml:6:18: warning: ", warning);
        Assert.Contains("kubeProxyReplacement: true", warning);
        Assert.DoesNotContain("bpfMasquerade: true", warning);
    }

    [Fact]
    public void A_mistyped_cilium_option_is_refused_at_its_line_with_what_is_allowed()
    {
        const string Yaml = """
            name: typo
            cluster:
              cni: cilium-native
              cilium: { kubeProxyReplacement: yes, hostRouting: bpf }
            workloads:
              - { name: rr, test: TCP_RR, paths: [pod-cross-node] }
            """;
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Yaml, "typo.yaml"));
        Assert.Contains("typo.yaml:4:", error.Message);
        Assert.Contains("cluster.cilium.kubeProxyReplacement: expected true or false", error.Message);
        Assert.Contains("cluster.cilium.hostRouting: ", error.Message);
        Assert.Contains("bpf", error.Message);
        Assert.Contains("allowed: legacy, ebpf", error.Message);
    }

    [Fact]
    public void A_NodePort_path_with_kube_proxy_replaced_is_refused_at_the_workloads_paths()
    {
        const string Yaml = """
            name: nodeport
            cluster:
              cni: cilium-native
              cilium: { kubeProxyReplacement: true }
            workloads:
              - name: rr
                test: TCP_RR
                paths: [cluster-ip, node-port]
            """;
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Yaml, "nodeport.yaml"));
        Assert.Contains("nodeport.yaml:8:", error.Message);
        Assert.Contains("workloads[0].paths: node-port needs kube-proxy", error.Message);
    }
}
