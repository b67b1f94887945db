using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// addService and removeService name one of the scenario's ClusterIP or NodePort Services, each once, under
/// kube-proxy in any of its modes (not Cilium's own load balancer): refused at the entry otherwise, with what is allowed.
/// </summary>
public class TimelineServiceValidationTests
{
    private static string Base(string kubeProxy = "iptables", string cni = "calico-bgp") => $$$"""
        duration: 100ms
        cluster: {cni: {{{cni}}}, kubeProxy: {{{kubeProxy}}}}
        deployments: [{name: shop, replicas: 2, labels: {app: shop}}]
        services:
          - {name: shop, selector: {app: shop}, port: 80, targetPort: 8080}
          - {name: edge, type: NodePort, selector: {app: shop}, port: 80, targetPort: 8080}
          - {name: db, type: Headless, selector: {app: shop}, port: 80, targetPort: 8080}
        workloads: [{name: crr, test: TCP_CRR, service: shop, paths: [cluster-ip]}]

        """;

    private static ScenarioError Only(string timeline, string kubeProxy = "iptables", string cni = "calico-bgp")
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base(kubeProxy, cni) + timeline, "t.yaml"));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void A_ClusterIP_Service_is_removed_by_name()
    {
        var s = ScenarioReader.Parse(Base() + "timeline:\n  - {at: 10ms, action: removeService, service: shop}\n", "t.yaml");
        Assert.Equal((TimelineAction.RemoveService, "removeService shop"), (s.Timeline[0].Action, s.Timeline[0].Label));
    }

    [Fact]
    public void An_unknown_Service_is_refused_at_its_name_with_the_ClusterIP_Services()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: removeService, service: shp}\n");
        Assert.Equal((10, 48), (error.Line, error.Column)); // eight lines of Base, "timeline:", then the entry's service value
        Assert.Equal("timeline[0].service: no Service named 'shp' under services or in the manifests (did you mean 'shop'?); allowed: shop, edge", error.Message);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("nftables")]
    [InlineData("ipvs")]
    public void A_NodePort_Service_is_added_and_removed_in_every_kube_proxy_mode(string kubeProxy)
    {
        var s = ScenarioReader.Parse(Base(kubeProxy) + "timeline:\n  - {at: 10ms, action: addService, service: edge}\n  - {at: 20ms, action: removeService, service: edge}\n  - {at: 30ms, action: removeService, service: shop}\n", "t.yaml");
        Assert.Equal(["addService edge", "removeService edge", "removeService shop"], s.Timeline.Select(e => e.Label));
    }

    [Fact]
    public void A_headless_Service_or_a_second_removal_is_refused()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: removeService, service: db}\n");
        Assert.Equal((10, 48), (error.Line, error.Column));
        Assert.Equal("timeline[0].service: 'db' is a headless Service, whose removal while the run goes on is not modelled (ClusterIP and NodePort Services' rules are); allowed: shop, edge", error.Message);
        Assert.Equal("timeline[1].service: 'shop' no longer exists at 20ms (removed by timeline[0]); allowed: one removeService per Service",
            Only("timeline:\n  - {at: 10ms, action: removeService, service: shop}\n  - {at: 20ms, action: removeService, service: shop}\n").Message);
    }

    [Fact]
    public void Ciliums_own_load_balancer_is_refused_at_the_action()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: removeService, service: shop}\n", cni: "cilium-native");
        Assert.Equal((10, 24), (error.Line, error.Column));
        Assert.Equal("timeline[0].action: removeService is modelled with kube-proxy (iptables, ipvs or nftables) and a plugin that leaves Services to it; variant cilium-native runs cilium, whose own Service load balancer is not told; allowed: a plugin other than cilium", error.Message);
    }

    [Fact]
    public void An_added_Service_is_named_as_removeService_names_one()
    {
        var s = ScenarioReader.Parse(Base() + "timeline:\n  - {at: 10ms, action: addService, service: shop}\n  - {at: 10ms, action: startWorkload, workload: crr}\n", "t.yaml");
        Assert.Equal("addService shop", s.Timeline[0].Label);
        var error = Only("timeline:\n  - {at: 10ms, action: addService, service: shp}\n  - {at: 10ms, action: startWorkload, workload: crr}\n");
        Assert.Equal((10, 45), (error.Line, error.Column));
        Assert.Equal("timeline[0].service: no Service named 'shp' under services or in the manifests (did you mean 'shop'?); allowed: shop, edge", error.Message);
    }

    [Fact]
    public void Adding_a_headless_Service_or_a_Service_twice_or_removing_one_before_its_addition_is_refused()
    {
        Assert.Equal("timeline[0].service: 'db' is a headless Service, whose addition while the run goes on is not modelled (ClusterIP and NodePort Services' rules are); allowed: shop, edge",
            Only("timeline:\n  - {at: 10ms, action: addService, service: db}\n").Message);
        const string start = "  - {at: 10ms, action: startWorkload, workload: crr}\n";
        Assert.Equal("timeline[1].service: 'shop' exists already at 20ms (added by timeline[0]); allowed: one addService per Service",
            Only("timeline:\n  - {at: 10ms, action: addService, service: shop}\n  - {at: 20ms, action: addService, service: shop}\n" + start).Message);
        Assert.Equal("timeline[0].service: 'shop' does not exist yet at 5ms (timeline[1] adds it at 10ms); allowed: a time after its addition",
            Only("timeline:\n  - {at: 5ms, action: removeService, service: shop}\n  - {at: 10ms, action: addService, service: shop}\n" + start).Message);
    }

    [Fact]
    public void A_workload_served_by_an_added_Service_must_start_with_it_or_later()
    {
        // Its client resolves the name when it starts: before the addition CoreDNS has no record (NXDOMAIN).
        Assert.Equal("timeline[0].service: workload 'crr' is served by 'shop', which does not exist before 10ms (no DNS record, no rules), and runs from the start; allowed: a startWorkload of 'crr' at 10ms or later",
            Only("timeline:\n  - {at: 10ms, action: addService, service: shop}\n").Message);
        Assert.Equal("timeline[1].service: workload 'crr' is served by 'shop', which does not exist before 10ms (no DNS record, no rules), and starts at 5ms; allowed: a startWorkload of 'crr' at 10ms or later",
            Only("timeline:\n  - {at: 5ms, action: startWorkload, workload: crr}\n  - {at: 10ms, action: addService, service: shop}\n").Message);
    }

    [Fact]
    public void Adding_a_Service_under_nftables_or_ipvs_is_allowed_and_under_cilium_refused_at_the_action()
    {
        const string timeline = "timeline:\n  - {at: 10ms, action: addService, service: shop}\n  - {at: 10ms, action: startWorkload, workload: crr}\n";
        Assert.Equal(TimelineAction.AddService, ScenarioReader.Parse(Base("nftables") + timeline, "t.yaml").Timeline[0].Action);
        Assert.Equal(TimelineAction.AddService, ScenarioReader.Parse(Base("ipvs") + timeline, "t.yaml").Timeline[0].Action);
        var error = Only(timeline, cni: "cilium-native");
        Assert.Equal("timeline[0].action: addService is modelled with kube-proxy (iptables, ipvs or nftables) and a plugin that leaves Services to it; variant cilium-native runs cilium, whose own Service load balancer is not told; allowed: a plugin other than cilium", error.Message);
    }
}
