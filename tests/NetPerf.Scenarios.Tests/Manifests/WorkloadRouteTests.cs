using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Manifests;

/// <summary>Workloads that name their client and server by object: a Service by name over TCP and UDP, a StatefulSet pod by its DNS name, a pod on the same node or across.</summary>
public sealed class WorkloadRouteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-routes-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Three cart replicas behind one Service (a port over TCP, one over UDP), three front-end replicas, a database StatefulSet.
    private const string Shop = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: frontend, namespace: shop}
        spec:
          replicas: 3
          selector: {matchLabels: {app: frontend}}
          template:
            metadata: {labels: {app: frontend}}
            spec: {containers: [{name: web, image: web:1, ports: [{name: http, containerPort: 8080}]}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: cart, namespace: shop}
        spec:
          replicas: 3
          selector: {matchLabels: {app: cart}}
          template:
            metadata: {labels: {app: cart}}
            spec:
              containers:
              - name: cart
                image: cart:1
                ports: [{name: http, containerPort: 8080}, {name: stats, containerPort: 8125, protocol: UDP}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: cart, namespace: shop}
        spec:
          selector: {app: cart}
          ports:
          - {name: http, port: 80, targetPort: http}
          - {name: stats, port: 8125, targetPort: stats, protocol: UDP}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: shop}
        spec:
          serviceName: db
          replicas: 1
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec: {containers: [{name: pg, image: postgres:16, ports: [{containerPort: 5432}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: shop}
        spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
        """;

    private Scenario Load(string workloads, string cluster = "{ nodes: 3 }", string compare = "")
    {
        File.WriteAllText(Path.Combine(_dir, "shop.yaml"), Shop);
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $"name: s\nduration: 2ms\nwarmup: 1ms\ncluster: {cluster}\nmanifests: [shop.yaml]\nworkloads:\n{workloads}{compare}");
        return ScenarioReader.Load(path);
    }

    public static TheoryData<string> Plugins() => [.. Kubernetes.Cni.CniPlugin.Names];

    [Theory]
    [MemberData(nameof(Plugins))]
    public void A_workload_to_a_Service_by_name_over_TCP_and_UDP_measures_on_every_kube_proxy_mode_whichever_replica_answers(string cni)
    {
        var s = Load("""
              - {name: tcp, test: TCP_RR, from: deployment/frontend, to: service/cart:80}
              - {name: crr, test: TCP_CRR, from: deployment/frontend, to: "cart.shop.svc.cluster.local:80"}
              - {name: udp, test: UDP_RR, from: deployment/frontend, to: service/cart:8125}

            """, $"{{ nodes: 3, cni: {cni} }}", "compare: {kubeProxy: [iptables, ipvs, nftables]}\n");

        var outcome = ScenarioRunner.Run(s, new RunOptions());

        Assert.Equal(3 * 3, outcome.Results.Count);
        var cart = s.Objects.Service("shop", "cart")!;
        foreach (var r in outcome.Results)
        {
            Assert.Equal(CommunicationPath.ClusterIp, r.Unit.Path);
            Assert.True(r.Report.Transactions > 0, $"{r.Unit.Label}: nothing measured");
            Assert.Equal([cart.ClusterIp], r.Lookup!.Addresses); // by name, through CoreDNS from the client's namespace

            // A connection per request lands on every replica in turn (kube-proxy's random choice over three
            // endpoints): each answers, or the run would have lost requests to refused connections.
            Assert.Equal(0, r.Lost);
        }
    }

    [Fact]
    public void Connections_to_a_Service_of_three_replicas_spread_over_all_three_and_each_replica_answers()
    {
        var s = Load("  - {name: crr, test: TCP_CRR, from: deployment/frontend, to: service/cart:80}\n");
        var unit = ScenarioRunner.Units(s, new RunOptions()).Single();
        var build = new ClusterBuild(s, unit.Variant, s.Seed);
        var (workload, _) = PathRun.Prepare(build, unit);
        var crr = (Workloads.Tcp.TcpRequestResponse)workload;

        var report = new Workloads.WorkloadRunner(build.Cluster.Bed.Sim, build.Hosts).Run([workload], Engine.Time.SimTime.FromMilliseconds(1), Engine.Time.SimTime.FromMilliseconds(5))[0];

        // kube-proxy picks an endpoint per connection (1/3, then 1/2, then the last): a connection per request
        // reaches each of the three cart pods, and every replica runs the server, as a Deployment's pods do.
        Assert.Equal(3, 1 + crr.ReplicaListeners.Count);
        Assert.All([crr.Listener, .. crr.ReplicaListeners], l => Assert.True(l.Accepted > report.Transactions / 6, $"{l.Namespace.Name}: {l.Accepted} of {report.Transactions}"));
    }

    [Fact]
    public void Placement_local_puts_the_client_on_the_servers_node_and_across_on_another_and_across_costs_more()
    {
        var s = Load("""
              - {name: local, test: TCP_RR, from: deployment/frontend, to: pod/db-0, placement: local}
              - {name: across, test: TCP_RR, from: deployment/frontend, to: pod/db-0, placement: across}

            """);

        Assert.Equal([CommunicationPath.PodSameNode], s.Workloads[0].Paths);
        Assert.Equal([CommunicationPath.PodCrossNode], s.Workloads[1].Paths);
        int Node(string pod) => s.Objects.Pods.Single(p => p.ClusterName == pod).Node;
        Assert.Equal(Node("db-0.shop"), Node(s.Workloads[0].Route!.ClientPod!));
        Assert.NotEqual(Node("db-0.shop"), Node(s.Workloads[1].Route!.ClientPod!));

        var outcome = ScenarioRunner.Run(s, new RunOptions());
        var local = outcome.Results.Single(r => r.Unit.Workload.Name == "local").Report;
        var across = outcome.Results.Single(r => r.Unit.Workload.Name == "across").Report;
        Assert.True(local.P50 < across.P50, $"same node {local.P50} not below across {across.P50}");
    }

    [Fact]
    public void A_StatefulSet_pod_is_reached_by_its_own_DNS_name()
    {
        var s = Load("  - {name: pg, test: TCP_RR, from: deployment/frontend, to: \"db-0.db.shop.svc.cluster.local:5432\"}\n");
        var outcome = ScenarioRunner.Run(s, new RunOptions());

        var r = Assert.Single(outcome.Results);
        Assert.True(r.Report.Transactions > 0);
        Assert.Single(r.Lookup!.Addresses);
    }

    [Fact]
    public void A_call_a_tiers_policy_denies_is_refused_at_its_line_on_Calico_and_measures_on_flannel()
    {
        const string policy = "\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: cart, namespace: shop}\n"
            + "spec:\n  podSelector: {matchLabels: {app: cart}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: frontend}}}]\n    ports: [{port: http}]\n";
        Scenario With(string cni)
        {
            File.WriteAllText(Path.Combine(_dir, "shop.yaml"), Shop + policy);
            string path = Path.Combine(_dir, "s.yaml");
            File.WriteAllText(path, $"name: s\nduration: 2ms\nwarmup: 1ms\ncluster: {{ nodes: 3, cni: {cni} }}\nmanifests: [shop.yaml]\nworkloads:\n"
                + "  - {name: ok, test: TCP_RR, from: deployment/frontend, to: service/cart:80}\n"
                + "  - {name: denied, test: TCP_RR, from: statefulset/db, to: service/cart:80}\n");
            return ScenarioReader.Load(path);
        }

        var e = Assert.Throws<ScenarioException>(() => WorkloadProbe.Check(With("calico-bgp"), new RunOptions()));
        var error = Assert.Single(e.Errors);
        Assert.Equal(8, error.Line); // the denied workload's line; the allowed one passes
        Assert.Contains("a NetworkPolicy selects the server and none of its rules allows TCP to port 8080 from the client (db-0.shop)", error.Message);

        WorkloadProbe.Check(With("flannel-vxlan"), new RunOptions()); // stored, not enforced: both calls complete
    }

    [Fact]
    public void A_default_deny_egress_breaks_DNS_and_says_so_and_allowing_port_53_then_the_Service_lets_the_call_through()
    {
        // The front end's pods may send nothing (policyTypes [Egress], no rules): the usual first step of a
        // lock-down, which also stops every DNS query the pods make.
        const string deny = "\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: frontend-egress, namespace: shop}\n"
            + "spec:\n  podSelector: {matchLabels: {app: frontend}}\n  policyTypes: [Egress]\n";
        const string dns = "  egress:\n  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]\n"
            + "    ports: [{protocol: UDP, port: 53}]\n";
        const string cart = "  - to: [{podSelector: {matchLabels: {app: cart}}}]\n    ports: [{port: http}]\n";
        Scenario With(string policy, string cni = "calico-bgp")
        {
            File.WriteAllText(Path.Combine(_dir, "shop.yaml"), Shop + policy);
            string path = Path.Combine(_dir, "s.yaml");
            File.WriteAllText(path, $"name: s\nduration: 2ms\nwarmup: 1ms\ncluster: {{ nodes: 3, cni: {cni} }}\nmanifests: [shop.yaml]\nworkloads:\n"
                + "  - {name: call, test: TCP_RR, from: deployment/frontend, to: cart.shop.svc.cluster.local:80}\n");
            return ScenarioReader.Load(path);
        }

        var noDns = Assert.Single(Assert.Throws<ScenarioException>(() => WorkloadProbe.Check(With(deny), new RunOptions())).Errors);
        Assert.Contains("DNS lookups fail", noDns.Message);
        Assert.Contains("an egress NetworkPolicy isolates frontend-0.shop and none of its rules allows UDP 53 to CoreDNS", noDns.Message);

        var noCart = Assert.Single(Assert.Throws<ScenarioException>(() => WorkloadProbe.Check(With(deny + dns), new RunOptions())).Errors);
        Assert.DoesNotContain("DNS", noCart.Message);  // the name resolves now
        Assert.Contains("an egress NetworkPolicy isolates the client (frontend-0.shop) and none of its rules allows TCP to port 8080", noCart.Message);

        WorkloadProbe.Check(With(deny + dns + cart), new RunOptions());
        WorkloadProbe.Check(With(deny, "flannel-vxlan"), new RunOptions()); // stored, not enforced
    }

    [Theory]
    [InlineData("weave", "weave-npc's egress chains are not built")]
    [InlineData("cilium-vxlan", "Cilium's egress policy map is not built")]
    public void Egress_policies_are_refused_on_Weave_and_Cilium_where_their_egress_enforcement_is_not_built(string cni, string missing)
    {
        const string deny = "\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: frontend-egress, namespace: shop}\n"
            + "spec:\n  podSelector: {matchLabels: {app: frontend}}\n  policyTypes: [Egress]\n";
        File.WriteAllText(Path.Combine(_dir, "shop.yaml"), Shop + deny);
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, "name: s\nduration: 2ms\nwarmup: 1ms\ncluster: { nodes: 3, cni: " + cni + " }\nmanifests: [shop.yaml]\nworkloads:\n"
            + "  - {name: call, test: TCP_RR, from: deployment/frontend, to: service/cart:80}\n");

        var e = Assert.Single(Assert.Throws<ScenarioException>(() => ScenarioReader.Load(path)).Errors);
        Assert.EndsWith("shop.yaml", e.File, StringComparison.Ordinal);
        // Both enforce egress in reality (weave-npc's WEAVE-NPC-EGRESS; bpf_lxc's egress policy lookup), so a run
        // that let the traffic through would measure what the cluster refuses; the advice names the plugin given.
        Assert.Contains($"egress policies are not modelled on {cni} (variant {cni}; {missing})", e.Message);
        Assert.Contains($"leave {cni} out of the variants", e.Message);
    }

    [Fact]
    public void A_workload_naming_an_object_that_does_not_exist_is_refused_at_its_line_with_the_closest()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("  - name: rr\n    test: TCP_RR\n    from: deployment/frontend\n    to: service/crat:80\n"));
        var error = Assert.Single(e.Errors);

        Assert.Equal((10, 9), (error.Line, error.Column));
        Assert.Contains("names no Service of the manifests (did you mean 'service/cart'?)", error.Message);
    }

    [Fact]
    public void A_UDP_test_to_a_Services_TCP_port_is_refused_with_the_ports_it_has()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("  - {name: u, test: UDP_RR, from: deployment/frontend, to: service/cart:80}\n"));
        Assert.Contains("service/cart has no UDP port 80 for UDP_RR; its ports: 80/TCP (http), 8125/UDP (stats)", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void A_UDP_test_to_a_Service_with_only_TCP_ports_is_told_no_port_would_do_not_to_name_one()
    {
        // A Service's port carries one protocol (TCP unless it says UDP), so no port of a TCP-only Service answers a datagram.
        var e = Assert.Throws<ScenarioException>(() => Load("  - {name: u, test: UDP_RR, from: deployment/frontend, to: service/db}\n"));
        string message = Assert.Single(e.Errors).Message;
        Assert.Contains("service/db has no UDP port, so UDP_RR cannot reach it; its ports: 5432/TCP (give the Service a protocol: UDP port, or run a test of its protocol)", message);
        Assert.DoesNotContain("needs one named", message);
    }
}
