using NetPerf.Kubernetes.Services;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Loading;

/// <summary>
/// setExternalTrafficPolicy names a NodePort (or a manifest's LoadBalancer) Service and Cluster or Local, under
/// kube-proxy in any mode (not Cilium's load balancer): refused at the entry's key otherwise, as the API server refuses the field on a
/// ClusterIP Service ("may only be set for externally-accessible services").
/// </summary>
public class TimelineTrafficPolicyValidationTests
{
    private static string Base(string kubeProxy = "iptables", string cni = "calico-bgp") => $$$"""
        duration: 100ms
        cluster: {cni: {{{cni}}}, kubeProxy: {{{kubeProxy}}}}
        deployments: [{name: shop, replicas: 2, labels: {app: shop}}]
        services:
          - {name: shop, selector: {app: shop}, port: 80, targetPort: 8080}
          - {name: edge, type: NodePort, selector: {app: shop}, port: 80, targetPort: 8080}
        workloads: [{name: crr, test: TCP_CRR, service: shop, paths: [cluster-ip]}]
        timeline:

        """;

    private static ScenarioError Only(string entry, string kubeProxy = "iptables", string cni = "calico-bgp")
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(Base(kubeProxy, cni) + entry + "\n", "t.yaml"));
        return Assert.Single(e.Errors);
    }

    /// <summary>Line 9 (seven lines of Base, "timeline:", the entry), at <paramref name="key"/>'s value.</summary>
    private static void AtValue(ScenarioError error, string entry, string key) =>
        Assert.Equal((9, entry.IndexOf($" {key}: ", StringComparison.Ordinal) + $" {key}: ".Length + 1), (error.Line, error.Column));

    [Fact]
    public void A_NodePort_Service_is_patched_to_Local_and_back()
    {
        var s = ScenarioReader.Parse(Base() + "  - {at: 10ms, action: setExternalTrafficPolicy, service: edge, externalTrafficPolicy: Local}\n"
            + "  - {at: 20ms, action: setExternalTrafficPolicy, service: edge, externalTrafficPolicy: Cluster}\n", "t.yaml");
        Assert.Equal((TimelineAction.SetExternalTrafficPolicy, ExternalTrafficPolicy.Local, "setExternalTrafficPolicy edge to Local"), (s.Timeline[0].Action, s.Timeline[0].ExternalTrafficPolicy, s.Timeline[0].Label));
        Assert.Equal(ExternalTrafficPolicy.Cluster, s.Timeline[1].ExternalTrafficPolicy);
    }

    [Fact]
    public void A_policy_other_than_Cluster_or_Local_is_refused_at_its_value()
    {
        const string entry = "  - {at: 10ms, action: setExternalTrafficPolicy, service: edge, externalTrafficPolicy: local}";
        var error = Only(entry);
        AtValue(error, entry, "externalTrafficPolicy");
        Assert.Equal("timeline[0].externalTrafficPolicy: 'local' is not allowed (did you mean 'Local'?); allowed: Cluster, Local", error.Message);
    }

    [Fact]
    public void A_missing_policy_is_refused_with_the_allowed_ones_and_another_action_does_not_take_one()
    {
        Assert.Equal("timeline[0].externalTrafficPolicy: required, missing; allowed: Cluster, Local",
            Only("  - {at: 10ms, action: setExternalTrafficPolicy, service: edge}").Message);
        const string roll = "  - {at: 10ms, action: roll, deployment: shop, externalTrafficPolicy: Local}";
        var error = Only(roll);
        AtValue(error, roll, "externalTrafficPolicy");
        Assert.Equal("timeline[0].externalTrafficPolicy: not used by roll; roll takes deployment", error.Message);
    }

    [Fact]
    public void An_unknown_Service_is_refused_at_its_name_with_the_NodePort_Services()
    {
        const string entry = "  - {at: 10ms, action: setExternalTrafficPolicy, service: edg, externalTrafficPolicy: Local}";
        var error = Only(entry);
        AtValue(error, entry, "service");
        Assert.Equal("timeline[0].service: no NodePort or LoadBalancer Service named 'edg' under services or in the manifests (did you mean 'edge'?); allowed: edge", error.Message);
    }

    [Fact]
    public void A_ClusterIP_Service_is_refused_as_the_API_server_refuses_the_field_on_it()
    {
        Assert.Equal("timeline[0].service: 'shop' is a ClusterIP Service: externalTrafficPolicy applies to NodePort and LoadBalancer Services only (the API server refuses it on others); allowed: edge",
            Only("  - {at: 10ms, action: setExternalTrafficPolicy, service: shop, externalTrafficPolicy: Local}").Message);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void Every_kube_proxy_mode_takes_it_and_Ciliums_load_balancer_is_refused_at_the_action(string kubeProxy)
    {
        const string entry = "  - {at: 10ms, action: setExternalTrafficPolicy, service: edge, externalTrafficPolicy: Local}";
        Assert.Single(ScenarioReader.Parse(Base(kubeProxy) + entry + "\n", "t.yaml").Timeline);
        var error = Only(entry, kubeProxy, "cilium-native");
        AtValue(error, entry, "action");
        Assert.Equal("timeline[0].action: setExternalTrafficPolicy is modelled with kube-proxy in iptables, ipvs or nftables mode and a plugin that leaves Services to it; variant cilium-native runs cilium, whose own Service load balancer is not told; allowed: kubeProxy iptables, ipvs or nftables with a plugin other than cilium", error.Message);
    }

    [Fact]
    public void A_patch_to_the_policy_the_Service_has_by_then_is_warned_about()
    {
        var warnings = new List<string>();
        ScenarioReader.Parse(Base() + "  - {at: 10ms, action: setExternalTrafficPolicy, service: edge, externalTrafficPolicy: Local}\n"
            + "  - {at: 20ms, action: setExternalTrafficPolicy, service: edge, externalTrafficPolicy: Local}\n", "t.yaml", warnings);
        Assert.Equal("t.yaml:10:88: warning: timeline[1].externalTrafficPolicy: 'edge' has externalTrafficPolicy Local already at 20ms: the patch changes nothing, and kube-proxy writes nothing for it", Assert.Single(warnings));
    }
}
