using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Manifests;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using NetPerf.Workloads;

namespace NetPerf.Scenarios.Tests.Manifests;

/// <summary>A user's manifests built into the simulated cluster: pods where placement put them, Services that carry traffic, DNS names that resolve, policies that hold.</summary>
public sealed class ManifestClusterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-manifest-cluster-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Shaped like a real set: comments, several documents a file, an anchor, a kind the simulation does not use,
    // an empty document and a trailing ---; a Service of two ports (TCP by name, UDP by number), a headless
    // Service governing a StatefulSet, a Service without a selector and its hand-written EndpointSlice.
    private const string Shop = """
        # the shop's API tier
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {team: shop}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: cart, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: &cart {app: cart}}
          template:
            metadata: {labels: *cart}
            spec:
              containers:
              - name: cart
                image: cart:1
                ports:
                - {name: http, containerPort: 8080}
                - {name: stats, containerPort: 8125, protocol: UDP}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: cart, namespace: shop}
        spec:
          selector: {app: cart}
          ports:
          - {name: http, port: 80, targetPort: http}
          - {name: stats, port: 8125, targetPort: 8125, protocol: UDP}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: shop}
        spec:
          serviceName: db
          replicas: 2
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              containers: [{name: pg, image: postgres:16, ports: [{name: pg, containerPort: 5432}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: shop}
        spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cart-config, namespace: shop}
        data: {mode: fast}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: legacy, namespace: shop}
        spec: {ports: [{name: http, port: 80}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: legacy-1
          namespace: shop
          labels: {kubernetes.io/service-name: legacy}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints:
        - addresses: ["10.0.0.9"]
          targetRef: {kind: Pod, name: db-1, namespace: shop}
        ---
        """;

    private string Write(string relative, string text)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private Scenario Load(string manifests, string cluster = "{ nodes: 3 }", List<string>? warnings = null)
    {
        Write("app/shop.yaml", manifests);
        string scenario = Write("s.yaml", $"name: s\nduration: 2ms\nwarmup: 1ms\ncluster: {cluster}\nmanifests: [app/]\nworkloads:\n  - {{name: rr, test: TCP_RR, paths: [pod-cross-node]}}\n");
        return ScenarioReader.Load(scenario, warnings);
    }

    private ScenarioError Refused(string manifests, string cluster = "{ nodes: 3 }")
    {
        var e = Assert.Throws<ScenarioException>(() => Load(manifests, cluster));
        return Assert.Single(e.Errors);
    }

    [Fact]
    public void Workloads_become_pods_in_their_namespace_placed_round_robin_and_unused_kinds_are_listed_at_their_line()
    {
        var warnings = new List<string>();
        var s = Load(Shop, warnings: warnings);

        Assert.Equal(["cart-0.shop", "db-0.shop", "db-1.shop"], s.Objects.Pods.Select(p => p.ClusterName));
        Assert.NotEqual(s.Objects.Pods[1].Node, s.Objects.Pods[2].Node); // the scheduler's default spread: a StatefulSet's two pods on two nodes
        Assert.Equal("shop", s.Objects.Pods[0].Labels[ManifestCluster.NamespaceLabel]);
        Assert.Single(warnings, w => w.EndsWith("shop.yaml:48:1: warning: ConfigMap 'cart-config' (v1) ignored: the simulation does not use this kind", StringComparison.Ordinal));

        var cart = s.Objects.Service("shop", "cart")!;
        Assert.Equal([(80, 8080, Network.Packets.IpProtocol.Tcp), (8125, 8125, Network.Packets.IpProtocol.Udp)],
            cart.Ports.Select(p => ((int)p.Port, (int)p.TargetPort, p.Protocol))); // targetPort http: the pods' container port of that name
        Assert.Equal(s.Cluster.ServiceCidr[s.Cluster.ServiceCidr.Size - 2], cart.ClusterIp); // dynamic addresses from the top of the range
    }

    [Fact]
    public void A_StatefulSet_pods_DNS_name_and_a_Services_name_resolve_through_CoreDNS_from_a_pod_of_its_namespace()
    {
        var s = Load(Shop);
        var build = new ClusterBuild(s, s.Variants()[0], s.Seed);
        var client = build.Cluster.Pod("cart-0.shop");

        var db0 = PathRun.Resolve(build, client, "shop", "db-0.db.shop.svc.cluster.local");
        var cart = PathRun.Resolve(build, client, "shop", "cart"); // the search list: cart.shop.svc.cluster.local first
        var headless = PathRun.Resolve(build, build.Client, "default", "db.shop");

        Assert.Equal([build.Cluster.Pod("db-0.shop").Ip], db0.Addresses);
        Assert.Equal("cart.shop.svc.cluster.local", cart.Answered?.TrimEnd('.'));
        Assert.Equal([s.Objects.Service("shop", "cart")!.ClusterIp], cart.Addresses);
        Assert.Equal([build.Cluster.Pod("db-0.shop").Ip, build.Cluster.Pod("db-1.shop").Ip], headless.Addresses);
    }

    public static TheoryData<string, string> PluginsAndModes()
    {
        var data = new TheoryData<string, string>();
        foreach (var cni in CniPluginNames())
        {
            foreach (var mode in Kubernetes.Services.KubeProxyMode.Names)
            {
                data.Add(cni, mode);
            }
        }

        return data;
    }

    private static IEnumerable<string> CniPluginNames() => Kubernetes.Cni.CniPlugin.Names;

    [Theory]
    [MemberData(nameof(PluginsAndModes))]
    public void A_manifest_Service_carries_TCP_on_its_named_port_and_UDP_on_its_other_port_on_every_plugin_and_kube_proxy_mode(string cni, string mode)
    {
        var s = Load(Shop, $"{{ nodes: 3, cni: {cni}, kubeProxy: {mode} }}");
        var build = new ClusterBuild(s, s.Variants()[0], s.Seed);
        var cart = s.Objects.Service("shop", "cart")!;
        var server = build.Cluster.Pod("cart-0.shop");
        var lookup = PathRun.Resolve(build, build.Client, "default", "cart.shop");

        foreach (var (test, port) in new[] { (NetperfTestKind.TcpRr, cart.Ports[0]), (NetperfTestKind.UdpRr, cart.Ports[1]) })
        {
            var e = new Endpoints(build.Client.Namespace, server.Namespace, lookup.Addresses[0], port.Port, 1, 1) { ServerBindAddress = server.Ip, ServerListenPort = port.TargetPort };
            var w = test.Create(new WorkloadRequest(test.Name, e, 1, 64, 64, ServiceTime.None, 1, 1));
            var report = new WorkloadRunner(build.Cluster.Bed.Sim, build.Hosts).Run([w], SimTime.FromMilliseconds(1), SimTime.FromMilliseconds(2))[0];
            Assert.True(report.Transactions > 0, $"{cni} {mode} {test}: nothing crossed {cart.Name}:{port.Port}");
        }
    }

    [Fact]
    public void A_Service_without_a_selector_sends_to_the_pod_its_EndpointSlice_names_on_the_slices_port()
    {
        var s = Load(Shop);
        var legacy = s.Objects.Service("shop", "legacy")!;
        var build = new ClusterBuild(s, s.Variants()[0], s.Seed);
        var db1 = build.Cluster.Pod("db-1.shop");

        var svc = legacy.ForPort(legacy.Ports[0]);
        Assert.Equal([db1], svc.Endpoints(build.Cluster));
        Assert.Equal(8080, legacy.Ports[0].TargetPort);

        var e = new Endpoints(build.Client.Namespace, db1.Namespace, legacy.ClusterIp, 80, 1, 1) { ServerBindAddress = db1.Ip, ServerListenPort = 8080 };
        var w = NetperfTestKind.TcpRr.Create(new WorkloadRequest("legacy", e, 1, 64, 64, ServiceTime.None, 1, 1));
        var report = new WorkloadRunner(build.Cluster.Bed.Sim, build.Hosts).Run([w], SimTime.FromMilliseconds(1), SimTime.FromMilliseconds(2))[0];
        Assert.True(report.Transactions > 0);
    }

    [Fact]
    public void An_ingress_policy_per_tier_admits_the_tier_it_names_and_drops_the_rest_on_Calico_and_is_stored_unenforced_on_flannel()
    {
        const string policy = """
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: cart-from-web, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: cart}}
              policyTypes: [Ingress]
              ingress:
              - from: [{podSelector: {matchLabels: {app: db}}}]
                ports: [{port: http}]
            """;
        long Rr(string cni, string from)
        {
            var s = Load(Shop + "\n" + policy, $"{{ nodes: 3, cni: {cni} }}");
            var build = new ClusterBuild(s, s.Variants()[0], s.Seed);
            var server = build.Cluster.Pod("cart-0.shop");
            var client = build.Cluster.Pod(from);
            var e = new Endpoints(client.Namespace, server.Namespace, server.Ip, 8080, 1, 1);
            var w = NetperfTestKind.TcpRr.Create(new WorkloadRequest("rr", e, 1, 64, 64, ServiceTime.None, 1, 1));
            return new WorkloadRunner(build.Cluster.Bed.Sim, build.Hosts).Run([w], SimTime.FromMilliseconds(1), SimTime.FromMilliseconds(2))[0].Transactions;
        }

        Assert.True(Rr("calico-bgp", "db-1.shop") > 0);  // on node 2: the rule's pods, across nodes
        Assert.Equal(0, Rr("calico-bgp", "client"));     // the default namespace's client: no rule admits it
        Assert.True(Rr("flannel-vxlan", "client") > 0);  // flannel stores the policy and enforces nothing
    }

    [Fact]
    public void SCTP_is_refused_at_its_line_with_what_is_allowed()
    {
        var e = Refused("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: x}\n  ports:\n  - port: 9\n    protocol: SCTP\n");
        Assert.Equal((5 + 3, 15), (e.Line, e.Column));
        Assert.Contains("SCTP is not modelled", e.Message);
        Assert.Contains("allowed: TCP, UDP", e.Message);
    }

    [Fact]
    public void Session_affinity_and_unknown_traffic_policies_are_refused_at_their_line_not_ignored()
    {
        var affinity = Refused("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  sessionAffinity: ClientIp\n  ports: [{port: 80}]\n");
        var timeout = Refused("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}\n  ports: [{port: 80}]\n");
        var itp = Refused("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n  internalTrafficPolicy: local\n");
        var td = Refused("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n  trafficDistribution: PreferZone\n");

        Assert.Equal((5, 20), (affinity.Line, affinity.Column));
        Assert.Contains("allowed: None, ClientIP", affinity.Message);
        Assert.Equal((6, 54), (timeout.Line, timeout.Column)); // at the value
        Assert.Contains("must be greater than 0 and less than 86400", timeout.Message);
        Assert.Equal((6, 26), (itp.Line, itp.Column));
        Assert.Contains("allowed: Cluster, Local", itp.Message);
        Assert.Equal((6, 24), (td.Line, td.Column));
        Assert.Contains("allowed: PreferClose, PreferSameZone, PreferSameNode", td.Message);
    }

    [Fact]
    public void A_Node_labelled_with_another_zone_than_cluster_zones_gives_it_is_refused_at_the_label_and_the_same_zone_is_accepted()
    {
        // cluster.zones: 2 puts node2 in zone-2, and with racks: 2 behind zone-2's uplink, where the delay is paid.
        var e = Refused("apiVersion: v1\nkind: Node\nmetadata:\n  name: node2\n  labels:\n    topology.kubernetes.io/zone: zone-1\n", "{ nodes: 2, racks: 2, zones: 2, interZoneDelay: 1ms }");
        Assert.Equal((6, 34), (e.Line, e.Column));
        Assert.Contains("contradicts cluster.zones, which puts node2 in zone-2", e.Message);

        var s = Load("apiVersion: v1\nkind: Node\nmetadata:\n  name: node2\n  labels:\n    topology.kubernetes.io/zone: zone-2\n    disk: ssd\n", "{ nodes: 2, racks: 2, zones: 2, interZoneDelay: 1ms }");
        Assert.NotNull(s);
    }

    [Fact]
    public void A_from_to_workload_whose_Service_is_refused_gets_that_one_error_and_none_about_paths_it_never_asked_for()
    {
        Write("app/shop.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec:\n  selector: {app: api}\n  trafficDistribution: preferclose\n  ports: [{port: 80}]\n");
        string scenario = Write("s.yaml", "name: s\nduration: 2ms\nwarmup: 1ms\ncluster: { nodes: 3, racks: 3, zones: 3 }\nmanifests: [app/]\nworkloads:\n  - {name: rr, test: TCP_RR, from: external, to: service/api}\n");

        var e = Assert.Throws<ScenarioException>(() => ScenarioReader.Load(scenario));
        Assert.Contains("trafficDistribution", Assert.Single(e.Errors).Message); // not also "load-balancer puts an LVS-NAT director ..."
    }

    // Two API pods, one in each zone (cluster.zones: 2: node1 and node3 in zone-1, node2 and node4 in zone-2),
    // behind a Service preferring close endpoints and one keeping traffic on the node.
    private const string Zoned = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: api-a, namespace: shop, labels: {app: api}}
        spec: {nodeName: node3, containers: [{name: api, image: api:1, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: api-b, namespace: shop, labels: {app: api}}
        spec: {nodeName: node2, containers: [{name: api, image: api:1, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: shop}
        spec: {selector: {app: api}, trafficDistribution: PreferClose, ports: [{port: 80, targetPort: 8080}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api-local, namespace: shop}
        spec: {selector: {app: api}, internalTrafficPolicy: Local, ports: [{port: 80, targetPort: 8080}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api-sticky, namespace: shop}
        spec: {selector: {app: api}, sessionAffinity: ClientIP, ports: [{port: 80, targetPort: 8080}]}
        """;

    [Fact]
    public void Describe_lists_the_endpoints_each_nodes_clients_reach_in_their_zone_or_on_their_node()
    {
        var s = Load(Zoned, "{ nodes: 4, zones: 2 }");
        var build = new ClusterBuild(s, s.Variants()[0], s.Seed);
        var facts = ClusterDescription.Collect(build, s.Variants()[0], s).Topology;
        string[] Reached(string service, string node) => [.. facts.Single(f => f.Service == service && f.Node == node).Endpoints];

        Assert.Equal(["api-a.shop@node3"], Reached("shop/api", "node1"));  // zone-1's endpoint
        Assert.Equal(["api-b.shop@node2"], Reached("shop/api", "node4"));  // zone-2's
        Assert.Empty(Reached("shop/api-local", "node1"));                 // no endpoint on node1: dropped
        Assert.Equal(["api-b.shop@node2"], Reached("shop/api-local", "node2"));
        Assert.Contains("<none: dropped>", ClusterDescription.Describe(build, s.Variants()[0], s), StringComparison.Ordinal);
    }

    [Fact]
    public void ClientIP_affinity_comes_from_the_manifest_with_the_API_servers_default_timeout()
    {
        var s = Load(Zoned, "{ nodes: 4, zones: 2 }");
        var sticky = s.Objects.Service("shop", "api-sticky")!;
        Assert.Equal(SimTime.FromSeconds(10800), sticky.ForPort(sticky.Ports[0]).SessionAffinityTimeout);
        Assert.Null(s.Objects.Service("shop", "api")!.SessionAffinityTimeout);
    }

    [Fact]
    public void A_client_on_a_node_without_a_local_endpoint_gets_no_answer_through_an_internal_traffic_policy_Local_Service()
    {
        long Rr(string service, int clientNode)
        {
            var s = Load(Zoned, "{ nodes: 4, zones: 2, cni: calico-bgp }");
            var build = new ClusterBuild(s, s.Variants()[0], s.Seed);
            var client = build.Cluster.AddPod($"c-{clientNode}", clientNode);
            var svc = s.Objects.Service("shop", service)!;
            var e = new Endpoints(client.Namespace, build.Cluster.Pod("api-b.shop").Namespace, svc.ClusterIp, 80, 1, 1) { ServerBindAddress = build.Cluster.Pod("api-b.shop").Ip, ServerListenPort = 8080 };
            var w = NetperfTestKind.TcpRr.Create(new WorkloadRequest("rr", e, 1, 64, 64, ServiceTime.None, 1, 1));
            return new WorkloadRunner(build.Cluster.Bed.Sim, build.Hosts).Run([w], SimTime.FromMilliseconds(1), SimTime.FromMilliseconds(2))[0].Transactions;
        }

        Assert.True(Rr("api-local", 2) > 0);  // node2 has api-b
        Assert.Equal(0, Rr("api-local", 4)); // node4 has none: kube-proxy drops, though api-b serves one node away
        Assert.True(Rr("api", 4) > 0);       // PreferClose: node4's zone-2 has api-b
    }

    [Fact]
    public void A_mistyped_named_target_port_names_the_pods_ports_and_the_closest()
    {
        var e = Refused(Shop.Replace("targetPort: http}", "targetPort: htp}", StringComparison.Ordinal));
        Assert.Equal(28, e.Line);
        Assert.Contains("targetPort \"htp\": pod cart-0 (deployment/cart) has no TCP container port of that name (did you mean 'http'?)", e.Message);
    }

    [Fact]
    public void A_nodeSelector_matching_no_node_leaves_the_pod_Pending_in_the_schedulers_words_at_its_line()
    {
        var e = Refused("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: gpu}
            spec:
              selector: {matchLabels: {app: gpu}}
              template:
                metadata: {labels: {app: gpu}}
                spec:
                  nodeSelector: {accelerator: h100}
                  containers: [{name: c, image: x}]
            """);

        Assert.Equal((9, 21), (e.Line, e.Column));
        Assert.Contains("pod \"gpu-0\" stays Pending: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.", e.Message);
    }

    [Fact]
    public void A_DaemonSet_runs_one_pod_on_every_node_its_selector_admits_and_a_Node_manifest_labels_its_node()
    {
        var s = Load("""
            apiVersion: v1
            kind: Node
            metadata: {name: node2, labels: {role: edge}}
            ---
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: agent}
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec: {containers: [{name: a, image: x}]}
            ---
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: edge}
            spec:
              selector: {matchLabels: {app: edge}}
              template:
                metadata: {labels: {app: edge}}
                spec: {nodeSelector: {role: edge}, containers: [{name: a, image: x}]}
            """);

        Assert.Equal([("agent-node1", 1), ("agent-node2", 2), ("agent-node3", 3), ("edge-node2", 2)], s.Objects.Pods.Select(p => (p.Name, p.Node)));
    }

    [Fact]
    public void An_egress_policy_maps_its_types_peers_except_and_named_ports_as_the_API_server_reads_them()
    {
        var s = Load(Shop + "\n" + """
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: cart-out, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: cart}}
              egress:
              - to: [{podSelector: {matchLabels: {app: cart}}}]
                ports: [{port: stats, protocol: UDP}]
              - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.96.0.0/12]}}]
                ports: [{protocol: TCP}]
            """);
        var (policy, _) = s.Objects.Policies.Single(p => p.Policy.Name == "shop/cart-out");

        // No policyTypes and egress rules: the API server makes it Ingress and Egress (so its empty ingress denies all).
        Assert.Equal(Kubernetes.Policy.NetworkPolicyTypes.Ingress | Kubernetes.Policy.NetworkPolicyTypes.Egress, policy.Types);
        Assert.Equal([new Kubernetes.Policy.NetworkPolicyPort(Network.Packets.IpProtocol.Udp, 8125)], policy.Egress[0].Ports); // the cart pods' "stats"
        Assert.Equal([Ipv4Prefix.Parse("10.96.0.0/12")], policy.Egress[1].To[0].Except);
        Assert.Equal(Kubernetes.Policy.NetworkPolicyPort.AnyPort, policy.Egress[1].Ports[0].Port);
    }

    [Fact]
    public void An_except_outside_its_block_is_refused_at_its_line()
    {
        var e = Refused("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]\n");
        Assert.Equal(7, e.Line);
        Assert.Contains("ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": must be a strict subset of `cidr` 10.0.0.0/16", e.Message);
    }

    [Fact]
    public void A_policy_type_other_than_Ingress_or_Egress_is_refused_as_the_API_server_refuses_it()
    {
        var e = Refused("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egres]\n");
        Assert.Equal(6, e.Line);
        Assert.Contains("spec.policyTypes[1]: Unsupported value: \"Egres\": supported values: \"Ingress\", \"Egress\" (did you mean 'Egress'?)", e.Message);
    }

    [Fact]
    public void An_EndpointSlice_endpoint_without_a_pod_is_refused_at_the_endpoint()
    {
        var e = Refused(Shop.Replace("  targetRef: {kind: Pod, name: db-1, namespace: shop}\n", "", StringComparison.Ordinal));
        Assert.Equal(67, e.Line);
        Assert.Contains("has no targetRef to a Pod", e.Message);
    }
}
