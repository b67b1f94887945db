using NetPerf.Kubernetes.Fabric;
using NetPerf.Network.Cpu;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Manifests;

/// <summary>
/// Workloads with an end beyond the cluster's edge: a pod to an external server (through its node's masquerade),
/// and an external client to a NodePort (externalTrafficPolicy Cluster or Local), refused at their line where they
/// could reach nothing.
/// </summary>
public sealed class ExternalRouteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-external-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // One web pod (on node 2 of 3: the scheduler's spread puts the api pod first) behind a Cluster and a Local NodePort Service.
    private const string Manifests = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec: {containers: [{name: api, image: api:1}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: web:1, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30100}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web-local, namespace: shop}
        spec: {type: NodePort, externalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30101}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web-internal, namespace: shop}
        spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
        """;

    private Scenario Load(string workloads, string cluster = "{ nodes: 3 }", string compare = "")
    {
        File.WriteAllText(Path.Combine(_dir, "m.yaml"), Manifests);
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $"name: s\nduration: 2ms\nwarmup: 1ms\ncluster: {cluster}\nmanifests: [m.yaml]\nworkloads:\n{workloads}{compare}");
        return ScenarioReader.Load(path);
    }

    /// <summary>Runs the scenario's one unit and gives its result with the CPU each host spent on the measured flow.</summary>
    private static (UnitResult Result, Dictionary<string, (long Total, long Nat)> Cpu) Run(Scenario s)
    {
        var unit = ScenarioRunner.Units(s, new RunOptions()).Single();
        var build = new ClusterBuild(s, unit.Variant, s.Seed, measured: unit.Workload.Protocol, beyondEdge: ClusterBuild.ReachesOutside(unit.Workload, unit.Path));
        var result = PathRun.Run(build, unit, s.WarmUp, s.Duration, keepSamples: false);
        var cpu = build.Hosts.ToDictionary(h => h.Name, h => (h.CpuPicosecondsOfFlow(PathRun.FlowId), h.CpuPicosecondsOfFlow(PathRun.FlowId, KernelStage.Nat)));
        return (result, cpu);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("calico-bgp")]
    [InlineData("weave")]
    public void A_pod_to_an_external_server_leaves_by_its_nodes_masquerade_and_only_that_node_rewrites(string cni)
    {
        var s = Load("  - {name: out, test: TCP_RR, from: deployment/api, to: \"external:443\"}\n", $"{{ nodes: 3, cni: {cni} }}");
        var route = s.Workloads[0].Route!;
        var api = s.Objects.Pods.Single(p => p.Owner == "deployment/api");

        var (r, cpu) = Run(s);

        Assert.Equal([CommunicationPath.Egress], s.Workloads[0].Paths);
        Assert.True(route.ServerOutside);
        Assert.Equal(443, route.DialPort);
        Assert.True(r.Report.Transactions > 0, "nothing measured");
        Assert.Equal(0, r.Lost);
        // SNAT on the way out and its reversal on the way back, both on the client's node; nowhere else.
        Assert.True(cpu[$"node{api.Node}"].Nat > 0);
        Assert.All(cpu.Where(c => c.Key != $"node{api.Node}"), c => Assert.Equal(0, c.Value.Nat));
        Assert.True(cpu[ClusterLayout.Remote].Total > 0); // the server's kernel works too
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    [InlineData("calico-bgp")]
    public void A_pod_to_another_nodes_hostNetwork_server_is_masqueraded_by_its_node_with_no_workload_outside(string cni)
    {
        // The stock manifests masquerade whatever leaves the pod network on every node (flannel --ip-masq, Calico's
        // natOutgoing pool), not only when something beyond the edge is measured: a node's address is outside it.
        var toPod = Load("  - {name: p, test: TCP_RR, from: deployment/api, to: deployment/web}\n", $"{{ nodes: 3, cni: {cni} }}");
        var api = toPod.Objects.Pods.Single(p => p.Owner == "deployment/api");
        int other = api.Node == 1 ? 2 : 1;
        var toNode = Load($"  - {{name: n, test: TCP_RR, from: deployment/api, to: node/{other}}}\n", $"{{ nodes: 3, cni: {cni} }}");
        Assert.Equal(api.Node, toNode.Objects.Pods.Single(p => p.Owner == "deployment/api").Node);
        Assert.False(ClusterBuild.ReachesOutside(toNode.Workloads[0], toNode.Workloads[0].Paths[0]));

        var (n, nCpu) = Run(toNode);
        var (p, pCpu) = Run(toPod);

        Assert.True(n.Report.Transactions > 0 && p.Report.Transactions > 0, "nothing measured");
        // Each packet rewritten on the client's node (SNAT out, un-NAT back), nowhere else; pod to pod, nowhere.
        Assert.True(nCpu[$"node{api.Node}"].Nat > 0);
        Assert.All(nCpu.Where(c => c.Key != $"node{api.Node}"), c => Assert.Equal(0, c.Value.Nat));
        Assert.All(pCpu, c => Assert.Equal(0, c.Value.Nat));
    }

    [Fact]
    public void The_egress_path_is_NetPerfs_client_to_the_remote_host_and_no_default_run_asks_for_it()
    {
        var s = Load("  - {name: out, test: TCP_RR, paths: [egress]}\n  - {name: all, test: TCP_RR}\n");
        var units = ScenarioRunner.Units(s, new RunOptions());

        Assert.Equal(CommunicationPath.Egress, units[0].Path);
        Assert.DoesNotContain(units.Skip(1), u => u.Path == CommunicationPath.Egress);
        var (r, cpu) = Run(s with { Workloads = [s.Workloads[0]] });
        Assert.True(r.Report.Transactions > 0);
        Assert.True(cpu["node1"].Nat > 0);
        Assert.Equal(EdgeUplink.RemoteAddress, new ClusterBuild(s, units[0].Variant, s.Seed, beyondEdge: true).RemoteAddress);
    }

    [Theory]
    [InlineData("iptables")]
    [InlineData("ipvs")]
    [InlineData("nftables")]
    public void An_external_client_to_a_Local_NodePort_dials_a_node_with_the_endpoint_and_no_other_node_works(string kubeProxy)
    {
        var s = Load("  - {name: in, test: TCP_RR, from: external, to: service/web-local}\n", $"{{ nodes: 3, kubeProxy: {kubeProxy} }}");
        var route = s.Workloads[0].Route!;
        var web = s.Objects.Pods.Single(p => p.Owner == "deployment/web");

        var (r, cpu) = Run(s);

        Assert.Equal(web.Node, route.DialNode); // as a load balancer's health checks would send it
        Assert.True(r.Report.Transactions > 0);
        Assert.All(cpu.Where(c => c.Key.StartsWith("node", StringComparison.Ordinal) && c.Key != $"node{web.Node}"), c => Assert.Equal(0, c.Value.Total));
    }

    [Fact]
    public void An_external_client_to_a_Cluster_NodePort_across_crosses_two_nodes_and_costs_more_than_local()
    {
        var across = Load("  - {name: in, test: TCP_RR, from: external, to: service/web, placement: across}\n");
        var local = Load("  - {name: in, test: TCP_RR, from: external, to: service/web, placement: local}\n");
        var web = across.Objects.Pods.Single(p => p.Owner == "deployment/web");

        var (a, aCpu) = Run(across);
        var (l, lCpu) = Run(local);

        Assert.NotEqual(web.Node, across.Workloads[0].Route!.DialNode);
        Assert.Equal(web.Node, local.Workloads[0].Route!.DialNode);
        Assert.True(aCpu[$"node{across.Workloads[0].Route!.DialNode}"].Nat > 0); // DNAT and masquerade on the node dialled
        Assert.Equal(0, aCpu[$"node{web.Node}"].Nat); // the endpoint's node only routes to the pod
        long Nodes(Dictionary<string, (long Total, long Nat)> c) => c.Where(x => x.Key.StartsWith("node", StringComparison.Ordinal)).Sum(x => x.Value.Total);
        Assert.True(Nodes(aCpu) / a.Report.Transactions > Nodes(lCpu) / l.Report.Transactions);
        Assert.True(a.Report.MeanMicroseconds!.Value.Mean > l.Report.MeanMicroseconds!.Value.Mean);
    }

    [Theory]
    [InlineData("{name: in, test: TCP_RR, from: external, to: service/web-internal}", "to", "an external client reaches a Service only at a node's address, through a NodePort, and service/web-internal is ClusterIP")]
    [InlineData("{name: in, test: TCP_RR, from: external, to: deployment/web}", "to", "an external client reaches the cluster only at its nodes' addresses")]
    [InlineData("{name: in, test: TCP_RR, from: external, to: node/2}", "to", "an external client reaches the cluster only at its nodes' addresses")]
    [InlineData("{name: in, test: TCP_RR, from: external, to: external}", "to", "from and to are both external")]
    [InlineData("{name: in, test: TCP_RR, from: external, to: service/web-local, placement: across}", "placement", "across: service/web-local has externalTrafficPolicy Local, so a node without an endpoint of it drops NodePort traffic")]
    [InlineData("{name: out, test: TCP_RR, from: deployment/api, to: external, placement: across}", "placement", "relates the client's node to the server's; the external server is on none")]
    [InlineData("{name: out, test: TCP_RR, from: deployment/api, to: \"external:0\"}", "to", "port '0': give a number from 1 to 65535")]
    public void A_workload_that_could_reach_nothing_across_the_edge_is_refused_at_its_key(string workload, string key, string message)
    {
        var e = Assert.Throws<ScenarioException>(() => Load($"  - {workload}\n"));
        var error = Assert.Single(e.Errors);

        Assert.Equal(7, error.Line);
        Assert.Equal("  - ".Length + workload.IndexOf($" {key}: ", StringComparison.Ordinal) + $" {key}: ".Length + 1, error.Column); // at the key's value
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void To_external_on_Cilium_is_refused_where_its_masquerade_is_not_built()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("  - {name: out, test: TCP_RR, from: deployment/api, to: external}\n", compare: "compare: {cni: [calico-bgp, cilium-native]}\n"));
        Assert.Contains("which NetPerf does not build for cilium-native; compare plugins that have one: flannel-vxlan", Assert.Single(e.Errors).Message);
    }
}
