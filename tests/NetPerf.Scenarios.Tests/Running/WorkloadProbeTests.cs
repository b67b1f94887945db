using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Running;

/// <summary>
/// A workload that can measure nothing is refused before the run, at its line, saying what stopped its first
/// transaction; one that can measure passes untouched.
/// </summary>
public class WorkloadProbeTests
{
    // A NetworkPolicy's ports are TCP unless they say otherwise (networking.k8s.io/v1 NetworkPolicyPort.protocol
    // defaults to TCP): this one lets the client reach the servers' TCP 8080 and nothing else.
    private const string Policy = """
        name: policy-udp
        duration: 2ms
        warmup: 1ms
        cluster: { nodes: 2, cni: calico-bgp }
        networkPolicies:
          - name: allow-client
            podSelector: { app: netperf-server }
            ingress:
              - from: [{ podSelector: { app: netperf-client } }]
                ports: [8080]
        workloads:
          - name: rr
            test: TCP_RR
            paths: [pod-cross-node, cluster-ip]
          - name: udp
            test: UDP_RR
            paths: [pod-cross-node, cluster-ip]
        compare:
          cni: [calico-bgp, flannel-vxlan]
        """;

    [Fact]
    public void A_UDP_workload_that_an_enforced_TCP_only_policy_denies_is_refused_at_each_path_on_Calico_and_not_on_flannel_which_enforces_nothing()
    {
        var scenario = ScenarioReader.Parse(Policy, "policy-udp.yaml");
        var e = Assert.Throws<ScenarioException>(() => WorkloadProbe.Check(scenario, new RunOptions()));

        // Line 17 is the udp workload's paths: [pod-cross-node, cluster-ip]; each entry is refused where it stands.
        Assert.Equal([(17, 13), (17, 29)], e.Errors.Select(x => (x.Line, x.Column)));
        Assert.All(e.Errors, x => Assert.Equal("policy-udp.yaml", x.File));
        Assert.All(e.Errors, x => Assert.Contains("on calico-bgp", x.Message));
        Assert.Contains("workloads[1] (udp, UDP_RR) can measure nothing over pod-cross-node on calico-bgp", e.Errors[0].Message);
        Assert.Contains("(Netfilter)", e.Errors[0].Message);               // felix's cali-tw chain dropped it on the server's node
        Assert.Contains("allows UDP to port 8080", e.Errors[0].Message);
    }

    [Fact]
    public void The_same_policy_with_UDP_allowed_by_an_empty_ports_list_measures_and_passes()
    {
        var scenario = ScenarioReader.Parse(Policy.Replace("        ports: [8080]\n", ""), "policy-any.yaml");
        WorkloadProbe.Check(scenario, new RunOptions()); // no exception: every unit completes its first transaction
        Assert.Null(WorkloadProbe.Probe(scenario, ScenarioRunner.Units(scenario, new RunOptions()).First(u => u.Workload.Name == "udp" && u.Variant.Cni.Name == "calico-bgp")));
    }

    [Theory]
    [InlineData("overlay-vs-calico.yaml")]
    [InlineData("network-policy.yaml")]
    [InlineData("load-balancer.yaml")]
    [InlineData("kind-calibrate.yaml")]
    public void Every_shipped_scenarios_workloads_can_measure(string file)
    {
        WorkloadProbe.Check(ScenarioReader.Load(HeadlineRun.Shipped(file)), new RunOptions());
    }
}
