using System.Text.Json;
using NetPerf.Network.Cpu;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests;

/// <summary>The published JSON Schema (scenarios/scenario.schema.json) and the reader agree on every key and every word.</summary>
public class SchemaTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(HeadlineRun.Shipped("scenario.schema.json"))).RootElement;

    private static JsonElement At(params string[] path) => path.Aggregate(Schema, (e, step) => e.GetProperty(step));

    private static string[] Keys(JsonElement objectSchema) => [.. objectSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order()];

    private static string[] Enum(JsonElement e) => [.. e.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];

    [Fact]
    public void Every_key_the_reader_allows_is_in_the_schema_and_no_other()
    {
        Assert.Equal(ScenarioKeys.Root.Order(), Keys(Schema));
        Assert.Equal(ScenarioKeys.Cluster.Order(), Keys(At("properties", "cluster")));
        Assert.Equal(ScenarioKeys.Nic.Order(), Keys(At("properties", "cluster", "properties", "nic")));
        Assert.Equal(ScenarioKeys.Cilium.Order(), Keys(At("properties", "cluster", "properties", "cilium")));
        Assert.Equal(ScenarioKeys.Calico.Order(), Keys(At("properties", "cluster", "properties", "calico")));
        Assert.Equal(ScenarioKeys.Deployment.Order(), Keys(At("properties", "deployments", "items")));
        Assert.Equal(ScenarioKeys.Service.Order(), Keys(At("properties", "services", "items")));
        Assert.Equal(ScenarioKeys.Workload.Order(), Keys(At("properties", "workloads", "items")));
        Assert.Equal(ScenarioKeys.Compare.Order(), Keys(At("properties", "compare")));
        Assert.Equal(ScenarioKeys.Bgp.Order(), Keys(At("properties", "bgp")));
        Assert.Equal(ScenarioKeys.Timeline.Order(), Keys(At("properties", "timeline", "items")));
        Assert.Equal(ScenarioKeys.NetworkPolicy.Order(), Keys(At("properties", "networkPolicies", "items")));
        Assert.Equal(ScenarioKeys.PolicyRule.Order(), Keys(At("properties", "networkPolicies", "items", "properties", "ingress", "items")));
        Assert.Equal(ScenarioKeys.PolicyPeer.Order(), Keys(At("properties", "networkPolicies", "items", "properties", "ingress", "items", "properties", "from", "items")));
        Assert.Equal(System.Enum.GetNames<KernelStage>().Order(), Keys(At("properties", "costs")));
        Assert.All(Keys(At("properties", "costs")), stage => Assert.Equal(ScenarioKeys.Cost.Order(), Keys(At("properties", "costs", "properties", stage))));
    }

    [Fact]
    public void The_schema_offers_exactly_the_words_the_reader_accepts()
    {
        Assert.Equal(Choices.Cni, Enum(At("properties", "cluster", "properties", "cni")));
        Assert.Equal(Choices.Cni, Enum(At("properties", "compare", "properties", "cni", "items")));
        Assert.Equal(Choices.KubeProxy, Enum(At("properties", "cluster", "properties", "kubeProxy")));
        Assert.Equal(Choices.KubeProxy, Enum(At("properties", "compare", "properties", "kubeProxy", "items")));
        Assert.Equal(Choices.IptablesBackends, Enum(At("properties", "cluster", "properties", "iptables")));
        Assert.Equal(CommunicationPaths.Names, Enum(At("properties", "workloads", "items", "properties", "paths", "items")));
        Assert.Equal(Model.Tests.Names, Enum(At("properties", "workloads", "items", "properties", "test")));
        Assert.Equal(Choices.ServiceTypes, Enum(At("properties", "services", "items", "properties", "type")));
        Assert.Equal(Choices.Distributions, Enum(At("properties", "workloads", "items", "properties", "serviceDistribution")));
        Assert.Equal(Choices.Placements, Enum(At("properties", "workloads", "items", "properties", "placement")));
        Assert.Equal(Choices.BgpTopologies, Enum(At("properties", "bgp", "properties", "topology", "items")));
        Assert.Equal(TimelineActions.Names, Enum(At("properties", "timeline", "items", "properties", "action")));
        Assert.Equal(Choices.Kernels, Enum(At("properties", "cluster", "properties", "kernel")));
        Assert.Equal(Choices.Kernels, Enum(At("properties", "compare", "properties", "kernel", "items")));
        Assert.Equal(Choices.Resolvers, Enum(At("properties", "cluster", "properties", "resolver")));
        Assert.Equal(Choices.Resolvers, Enum(At("properties", "compare", "properties", "resolver", "items")));
        Assert.Equal(Choices.StaleUdpConntrack, Enum(At("properties", "cluster", "properties", "staleUdpConntrack")));
        Assert.Equal(Choices.StaleUdpConntrack, Enum(At("properties", "compare", "properties", "staleUdpConntrack", "items")));
        Assert.Equal(Choices.ServiceProtocols, Enum(At("properties", "services", "items", "properties", "protocol")));
        Assert.Equal(TimelineActions.Names, Reporting.TimelineRow.Actions); // what the plot marks as the timeline's own entries
    }
}
