using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>removeService names one of the scenario's ClusterIP Services, once, under kube-proxy's iptables mode: refused at the entry otherwise.</summary>
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
}
