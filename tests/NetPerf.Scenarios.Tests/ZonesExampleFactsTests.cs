using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using Xunit.Abstractions;

namespace NetPerf.Scenarios.Tests;

/// <summary>scenarios/examples/zones/zones.yaml, run once --quick.</summary>
public sealed class ZonesRun() : ShippedRun("examples/zones/zones.yaml");

/// <summary>
/// The six-node, three-zone example: pods spread one a zone by topologySpreadConstraints, a call inside a zone
/// against one across zones, and a Service with trafficDistribution PreferClose called by its short name.
/// </summary>
public class ZonesExampleFactsTests(ZonesRun run, ITestOutputHelper log) : IClassFixture<ZonesRun>
{
    private static readonly string[] Variants = ["calico-bgp", "calico-vxlan-crosssubnet", "flannel-vxlan"];

    private Scenario Scenario => run.Scenario;

    private string? ZoneOf(int node) => Scenario.Objects.Nodes.Single(n => n.Number == node).Labels.GetValueOrDefault("topology.kubernetes.io/zone");

    [Fact]
    public void A_zone_spread_of_maxSkew_1_puts_one_front_end_and_one_checkout_in_each_zone_on_different_nodes()
    {
        foreach (var owner in new[] { "deployment/frontend", "deployment/checkout" })
        {
            var zones = Scenario.Objects.Pods.Where(p => p.Owner == owner).Select(p => ZoneOf(p.Node)).Order().ToList();
            Assert.Equal(["zone-1", "zone-2", "zone-3"], zones);
        }

        // Each zone has two nodes; the checkout's requests score the node its zone's front end left free higher (LeastAllocated).
        foreach (var zone in new[] { "zone-1", "zone-2", "zone-3" })
        {
            var nodes = Scenario.Objects.Pods.Where(p => ZoneOf(p.Node) == zone).Select(p => p.Node).Distinct().ToList();
            Assert.Equal(2, nodes.Count);
        }
    }

    [Fact]
    public void Describe_lists_each_nodes_zone_as_kubectl_get_nodes_with_its_zone_column_does()
    {
        var variant = Scenario.Variants()[0];
        string text = ClusterDescription.Describe(new ClusterBuild(Scenario, variant, Scenario.Seed), variant, Scenario);

        Assert.Contains("$ kubectl get nodes -o wide -L topology.kubernetes.io/zone", text, StringComparison.Ordinal);
        Assert.Matches(@"\nnode4\s+Ready\s+\S+\s+\S+\s+\d+\s+zone-1\r?\n", text);
        Assert.Matches(@"\nnode6\s+Ready\s+\S+\s+\S+\s+\d+\s+zone-3\r?\n", text);
    }

    [Fact]
    public void A_call_across_zones_pays_the_inter_zone_delay_each_way_on_top_of_the_call_inside_a_zone()
    {
        var delay = Scenario.Cluster.InterZoneDelay.TotalMicroseconds;
        foreach (var v in Variants)
        {
            double same = run.Row(v, "same-zone", "pod-cross-node", "latency").P50!.Value;
            double other = run.Row(v, "other-zone", "pod-cross-node", "latency").P50!.Value;
            log.WriteLine($"{v}: same zone {same:F2} us, other zone {other:F2} us");

            // Request and response each cross between two zones once: 2 x 125 us, plus the spine hop and the two
            // ToRs' forwarding that a call between two nodes of one rack does not take (a few microseconds).
            Assert.InRange(other - same, 2 * delay, (2 * delay) + 20);
        }
    }

    [Fact]
    public void CrossSubnet_VXLAN_encapsulates_only_between_zones_so_inside_a_zone_it_costs_what_direct_routing_costs()
    {
        double Cpu(string v, string w) => run.Row(v, w, "pod-cross-node", "cpu_per_request").Mean;

        // Calico's vxlanMode CrossSubnet: a node of the same subnet (rack) is routed to directly; another subnet's through vxlan.calico.
        Assert.Equal(Cpu("calico-bgp", "same-zone"), Cpu("calico-vxlan-crosssubnet", "same-zone"), 6);
        Assert.Equal(0, run.Stage("calico-vxlan-crosssubnet", "same-zone", "pod-cross-node", "VxlanEncapsulate"));
        Assert.True(run.Stage("calico-vxlan-crosssubnet", "other-zone", "pod-cross-node", "VxlanEncapsulate") > 0);
        Assert.True(Cpu("calico-vxlan-crosssubnet", "other-zone") > 1.2 * Cpu("calico-bgp", "other-zone"));
    }

    [Fact]
    public void The_short_name_resolves_at_the_first_search_domain_and_PreferClose_keeps_the_call_in_the_clients_zone()
    {
        foreach (var v in Variants)
        {
            // checkout from a pod in store: checkout.store.svc.cluster.local, one A and one AAAA query.
            Assert.Equal(2, run.Row(v, "by-name", "cluster-ip", "dns_queries").Mean);
            double byName = run.Row(v, "by-name", "cluster-ip", "latency").P50!.Value;
            double same = run.Row(v, "same-zone", "pod-cross-node", "latency").P50!.Value;

            // kube-proxy's zone hints send it to the checkout of the front end's zone: no inter-zone delay, only the DNAT's cost on top.
            Assert.InRange(byName - same, 0, 5);
        }
    }
}
