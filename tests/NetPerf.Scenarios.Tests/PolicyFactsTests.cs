using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

public class PolicyFactsTests(ITestOutputHelper log)
{
    [Fact]
    public void On_Calico_each_decoy_policy_adds_four_rule_walks_to_a_new_connection_and_none_to_an_established_one_and_flannel_charges_nothing()
    {
        var with = ScenarioReader.Load(HeadlineRun.Shipped("network-policy.yaml"));
        var without = with with { NetworkPolicies = [.. with.NetworkPolicies.Where(p => p.Name == "allow-client")] };
        var options = new RunOptions { Quick = true };
        var a = ResultSetBuilder.Build(ScenarioRunner.Run(with, options)).Cpu;
        var b = ResultSetBuilder.Build(ScenarioRunner.Run(without, options)).Cpu;
        double Rules(IReadOnlyList<Reporting.CpuRow> rows, string cni, string workload) =>
            rows.Where(r => r.Cni == cni && r.Workload == workload && r.Path == "pod-cross-node" && r.Stage == "NftablesRule").Sum(r => r.NanosecondsPerRequest);

        double crrExtra = Rules(a, "calico-bgp", "crr") - Rules(b, "calico-bgp", "crr");
        double rrExtra = Rules(a, "calico-bgp", "rr") - Rules(b, "calico-bgp", "rr");
        log.WriteLine($"rule walks per request from 50 decoy policies: new connections +{crrExtra:F1} ns, established +{rrExtra:F3} ns");

        // Each decoy policy puts 4 rules (cali-tw's jump to its cali-pi chain, the chain's one rule and its
        // return-if-accepted, then cali-tw's return-if-accepted) ahead of
        // the allowing one in the endpoint's chain: a connection's SYN walks them all, at 13.6 ns a rule on
        // iptables-nft, the default backend (cost-model.csv's NftablesRule).
        Assert.Equal(50 * 4 * 13.6, crrExtra, tolerance: 50 * 4 * 13.6 * 0.01);
        // Conntrack accepts established packets before any policy: what is left is the rr connection's one SYN
        // walking the decoys once, spread over its (well over a thousand) requests; the two runs complete slightly
        // different numbers of requests, so the share of the SYN's walk of the allowing rules moves either way too.
        Assert.InRange(rrExtra, -crrExtra / 500, crrExtra / 500);
        Assert.Equal(Rules(b, "flannel-vxlan", "crr"), Rules(a, "flannel-vxlan", "crr"), tolerance: 1e-9);
    }
}
