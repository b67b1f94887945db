using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>addService and removeService name one of the scenario's ClusterIP Services, each once, under kube-proxy's iptables mode: refused at the entry otherwise.</summary>
public class TimelineServiceValidationTests
{
    private static string Base(string kubeProxy = "iptables") => $$$"""
        duration: 100ms
        cluster: {cni: calico-bgp, kubeProxy: {{{kubeProxy}}}}
        deployments: [{name: shop, replicas: 2, labels: {app: shop}}]
        services:
          - {name: shop, selector: {app: shop}, port: 80, targetPort: 8080}
          - {name: edge, type: NodePort, selector: {app: shop}, port: 80, targetPort: 8080}
        workloads: [{name: crr, test: TCP_CRR, service: shop, paths: [cluster-ip]}]

        """;

    private static ScenarioError Only(string timeline, string kubeProxy = "iptables")
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base(kubeProxy) + timeline, "t.yaml"));
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
        Assert.Equal((9, 48), (error.Line, error.Column)); // seven lines of Base, "timeline:", then the entry's service value
        Assert.Equal("timeline[0].service: no Service named 'shp' under services (did you mean 'shop'?); allowed: shop", error.Message);
    }

    [Fact]
    public void A_NodePort_Service_or_a_second_removal_is_refused()
    {
        Assert.Equal("timeline[0].service: 'edge' is a NodePort Service, whose removal is not modelled (only ClusterIP Services' rules are taken out); allowed: shop",
            Only("timeline:\n  - {at: 10ms, action: removeService, service: edge}\n").Message);
        Assert.Equal("timeline[1].service: 'shop' no longer exists at 20ms (removed by timeline[0]); allowed: one removeService per Service",
            Only("timeline:\n  - {at: 10ms, action: removeService, service: shop}\n  - {at: 20ms, action: removeService, service: shop}\n").Message);
    }

    [Fact]
    public void Another_kube_proxy_mode_is_refused_at_the_action()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: removeService, service: shop}\n", "ipvs");
        Assert.Equal("timeline[0].action: removeService is modelled with kube-proxy in iptables mode and a plugin that leaves Services to it; variant calico-bgp runs kube-proxy ipvs; allowed: kubeProxy iptables with a plugin other than cilium", error.Message);
    }

    [Fact]
    public void An_added_Service_is_named_as_removeService_names_one()
    {
        var s = ScenarioReader.Parse(Base() + "timeline:\n  - {at: 10ms, action: addService, service: shop}\n  - {at: 10ms, action: startWorkload, workload: crr}\n", "t.yaml");
        Assert.Equal("addService shop", s.Timeline[0].Label);
        var error = Only("timeline:\n  - {at: 10ms, action: addService, service: shp}\n  - {at: 10ms, action: startWorkload, workload: crr}\n");
        Assert.Equal((9, 45), (error.Line, error.Column));
        Assert.Equal("timeline[0].service: no Service named 'shp' under services (did you mean 'shop'?); allowed: shop", error.Message);
    }

    [Fact]
    public void Adding_a_NodePort_Service_twice_or_removing_one_before_its_addition_is_refused()
    {
        Assert.Equal("timeline[0].service: 'edge' is a NodePort Service, whose addition is not modelled (only ClusterIP Services' rules are written while the run goes on); allowed: shop",
            Only("timeline:\n  - {at: 10ms, action: addService, service: edge}\n").Message);
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
    public void Adding_a_Service_under_another_kube_proxy_mode_is_refused_at_the_action()
    {
        var error = Only("timeline:\n  - {at: 10ms, action: addService, service: shop}\n  - {at: 10ms, action: startWorkload, workload: crr}\n", "nftables");
        Assert.Equal("timeline[0].action: addService is modelled with kube-proxy in iptables mode and a plugin that leaves Services to it; variant calico-bgp runs kube-proxy nftables; allowed: kubeProxy iptables with a plugin other than cilium", error.Message);
    }
}
