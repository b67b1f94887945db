using NetPerf.Network.Netfilter;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Loading;

public class IptablesBackendTests
{
    private const string Workload = "workloads: [{name: a, test: TCP_RR}]\n";

    [Theory]
    [InlineData("", IptablesBackend.Nft)]
    [InlineData("cluster: { iptables: nft }\n", IptablesBackend.Nft)]
    [InlineData("cluster: { iptables: legacy }\n", IptablesBackend.Legacy)]
    public void Cluster_iptables_names_the_backend_every_node_runs_its_rules_on_and_nft_is_the_default(string cluster, IptablesBackend expected)
    {
        var scenario = ScenarioReader.Parse(cluster + Workload, "b.yaml");
        Assert.Equal(expected, scenario.Cluster.Iptables);

        var build = new ClusterBuild(scenario, new Variant("v", NetPerf.Kubernetes.Cni.FlannelVxlan.Descriptor, NetPerf.Kubernetes.Services.KubeProxyMode.Iptables, 0, null), seed: 1);
        Assert.All(build.Cluster.Nodes, n => Assert.Equal(expected, n.Root.Netfilter!.Backend));
    }

    [Fact]
    public void An_unknown_backend_is_refused_naming_the_two_there_are()
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse("cluster: { iptables: xtables }\n" + Workload, "b.yaml"));
        Assert.Contains("legacy", e.Message);
    }
}
