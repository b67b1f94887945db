using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Tests.Manifests;

/// <summary>placement: same-zone and other-zone, which relate the client's topology.kubernetes.io/zone to the server's.</summary>
public sealed class ZonePlacementTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-zone-placement-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Four replicas of each over the nodes: with four nodes and two zones, some pair shares a zone on two nodes.
    private const string Manifests = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: client}
        spec:
          replicas: 4
          selector: {matchLabels: {app: client}}
          template:
            metadata: {labels: {app: client}}
            spec: {containers: [{name: c, image: c:1}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: server}
        spec:
          replicas: 4
          selector: {matchLabels: {app: server}}
          template:
            metadata: {labels: {app: server}}
            spec: {containers: [{name: s, image: s:1, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: server}
        spec: {type: NodePort, selector: {app: server}, ports: [{port: 80, targetPort: 8080}]}
        """;

    private Scenario Load(string cluster, string workloads)
    {
        File.WriteAllText(Path.Combine(_dir, "m.yaml"), Manifests);
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $"name: s\nduration: 1ms\nwarmup: 1ms\ncluster: {cluster}\nmanifests: [m.yaml]\nworkloads:\n{workloads}");
        return ScenarioReader.Load(path);
    }

    private static string Zone(Scenario s, string pod) => s.Objects.Nodes.Single(n => n.Number == s.Objects.Pods.Single(p => p.ClusterName == pod).Node).Labels["topology.kubernetes.io/zone"];

    private static int Node(Scenario s, string pod) => s.Objects.Pods.Single(p => p.ClusterName == pod).Node;

    [Fact]
    public void Same_zone_pairs_a_client_on_another_node_of_the_servers_zone_and_other_zone_one_in_another_zone()
    {
        var s = Load("{ nodes: 4, zones: 2 }", """
              - {name: same, test: TCP_RR, from: deployment/client, to: deployment/server, placement: same-zone}
              - {name: other, test: TCP_RR, from: deployment/client, to: deployment/server, placement: other-zone}

            """);

        var same = s.Workloads[0].Route!;
        Assert.NotEqual(Node(s, same.ServerPods[0]), Node(s, same.ClientPod!));
        Assert.Equal(Zone(s, same.ServerPods[0]), Zone(s, same.ClientPod!));
        var other = s.Workloads[1].Route!;
        Assert.NotEqual(Zone(s, other.ServerPods[0]), Zone(s, other.ClientPod!));
        Assert.Equal([CommunicationPath.PodCrossNode], s.Workloads[0].Paths);
    }

    [Fact]
    public void A_zone_placement_on_a_cluster_without_zones_is_refused_at_its_line()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("{ nodes: 4 }", "  - {name: same, test: TCP_RR, from: deployment/client, to: deployment/server, placement: same-zone}\n"));
        var error = Assert.Single(e.Errors);
        Assert.Equal(7, error.Line);
        Assert.Contains("placement same-zone: the cluster's nodes have no topology.kubernetes.io/zone label", error.Message);
    }

    [Fact]
    public void A_zone_with_one_node_has_no_other_node_for_a_same_zone_client()
    {
        // Two nodes in two zones: every zone has one node, so a client in the server's zone is on the server's node.
        var e = Assert.Throws<ScenarioException>(() => Load("{ nodes: 2, zones: 2 }", "  - {name: same, test: TCP_RR, from: deployment/client, to: deployment/server, placement: same-zone}\n"));
        Assert.Contains("is on another node of the zone of a server of deployment/server (on node1 in zone-1, node2 in zone-2)", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void An_external_client_is_in_no_zone_so_a_zone_placement_is_refused()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("{ nodes: 4, zones: 2 }", "  - {name: out, test: TCP_RR, from: external, to: service/server, placement: other-zone}\n"));
        Assert.Contains("an external client is in none; use local or across", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void A_misspelt_placement_without_to_is_named_with_the_allowed_values_beside_the_missing_to()
    {
        const string yaml = """
            name: typo
            workloads:
              - { name: rr, test: TCP_RR, paths: [pod-cross-node], placement: same_zone }
            """;
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(yaml, "typo.yaml"));
        Assert.Contains("from and placement go with to", error.Message, StringComparison.Ordinal);
        Assert.Contains("'same_zone'", error.Message, StringComparison.Ordinal);
        Assert.Contains("same-zone", error.Message, StringComparison.Ordinal);
    }
}
