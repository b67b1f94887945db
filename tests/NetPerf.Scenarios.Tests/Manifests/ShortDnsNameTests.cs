using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Manifests;

/// <summary>
/// A workload's <c>to:</c> as an application writes a host name: short, and expanded by the client pod's resolver
/// with its namespace's search list (NS.svc.cluster.local svc.cluster.local cluster.local, ndots:5), as the kubelet
/// writes resolv.conf; each name tried costs CoreDNS a query of each type, NXDOMAINs first.
/// </summary>
public sealed class ShortDnsNameTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("netperf-short-names-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A Service srv in two namespaces (shop's pods and ghost's are told apart by their namespace), a client in each, and a StatefulSet.
    private const string Manifests = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: ghost}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: client, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: client}}
          template:
            metadata: {labels: {app: client}}
            spec: {containers: [{name: c, image: c:1}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: client, namespace: ghost}
        spec:
          replicas: 1
          selector: {matchLabels: {app: client}}
          template:
            metadata: {labels: {app: client}}
            spec: {containers: [{name: c, image: c:1}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: srv, namespace: shop}
        spec:
          replicas: 1
          selector: {matchLabels: {app: srv}}
          template:
            metadata: {labels: {app: srv}}
            spec: {containers: [{name: s, image: s:1, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: srv, namespace: ghost}
        spec:
          replicas: 1
          selector: {matchLabels: {app: srv}}
          template:
            metadata: {labels: {app: srv}}
            spec: {containers: [{name: s, image: s:1, ports: [{containerPort: 8080}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: srv, namespace: shop}
        spec: {selector: {app: srv}, ports: [{port: 80, targetPort: 8080}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: srv, namespace: ghost}
        spec: {selector: {app: srv}, ports: [{port: 80, targetPort: 8080}]}
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
            spec: {containers: [{name: pg, image: postgres:16, ports: [{containerPort: 5432}]}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: shop}
        spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
        """;

    private Scenario Load(string workloads)
    {
        File.WriteAllText(Path.Combine(_dir, "m.yaml"), Manifests);
        string path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, $"name: s\nduration: 1ms\nwarmup: 1ms\ncluster: {{ nodes: 3 }}\nmanifests: [m.yaml]\nworkloads:\n{workloads}");
        return ScenarioReader.Load(path);
    }

    private static IReadOnlyList<string> Servers(Scenario s, string workload) => s.Workloads.Single(w => w.Name == workload).Route!.ServerPods;

    [Fact]
    public void A_short_name_is_the_Service_of_the_clients_own_namespace_and_NAME_NAMESPACE_the_other_namespaces()
    {
        var s = Load("""
              - {name: own, test: TCP_RR, from: deployment/shop/client, to: "srv:80"}
              - {name: other, test: TCP_RR, from: deployment/shop/client, to: "srv.ghost:80"}
              - {name: theirs, test: TCP_RR, from: deployment/ghost/client, to: "srv:80"}
              - {name: member, test: TCP_RR, from: deployment/shop/client, to: "db-1.db:5432"}

            """);

        // srv.shop.svc.cluster.local is the first search domain's expansion; srv.ghost.shop.svc.cluster.local
        // does not exist, so srv.ghost is answered at the second, svc.cluster.local.
        Assert.EndsWith(".shop", Assert.Single(Servers(s, "own")), StringComparison.Ordinal);
        Assert.EndsWith(".ghost", Assert.Single(Servers(s, "other")), StringComparison.Ordinal);
        Assert.EndsWith(".ghost", Assert.Single(Servers(s, "theirs")), StringComparison.Ordinal);
        Assert.Equal(["db-1.shop"], Servers(s, "member")); // a StatefulSet pod's hostname.subdomain in the client's namespace
        Assert.Equal(CommunicationPath.ClusterIp, s.Workloads[0].Paths.Single());
        Assert.Equal("srv.ghost", s.Workloads[1].Route!.DialName); // dialled as written: the resolver expands it at run time
    }

    [Fact]
    public void Each_name_the_search_list_tries_before_the_answer_costs_a_query_of_each_type()
    {
        var s = Load("""
              - {name: short, test: TCP_RR, from: deployment/shop/client, to: "srv:80"}
              - {name: namespaced, test: TCP_RR, from: deployment/shop/client, to: "srv.ghost:80"}
              - {name: fqdn, test: TCP_RR, from: deployment/shop/client, to: "srv.shop.svc.cluster.local:80"}
              - {name: absolute, test: TCP_RR, from: deployment/shop/client, to: "srv.shop.svc.cluster.local.:80"}

            """);

        var lookups = ScenarioRunner.Units(s, new RunOptions()).ToDictionary(u => u.Workload.Name, u =>
        {
            var build = new ClusterBuild(s, u.Variant, s.Seed);
            var (_, lookup) = PathRun.Prepare(build, u);
            return (Lookup: lookup!, build.Dns.NxDomains);
        });

        // ndots:5: a name of fewer than five dots goes through the search list first. srv is answered at the first
        // expansion; srv.ghost at the second (one NXDOMAIN for A and one for AAAA first); the full name without its
        // final dot (four dots) after three expansions that do not exist, srv.shop.svc.cluster.local.shop.svc.cluster.local
        // and so on; with the final dot it is absolute, one try.
        Assert.Equal((1, 0), (lookups["short"].Lookup.QueriesPerType, lookups["short"].NxDomains));
        Assert.Equal((2, 2), (lookups["namespaced"].Lookup.QueriesPerType, lookups["namespaced"].NxDomains));
        Assert.Equal((4, 6), (lookups["fqdn"].Lookup.QueriesPerType, lookups["fqdn"].NxDomains));
        Assert.Equal((1, 0), (lookups["absolute"].Lookup.QueriesPerType, lookups["absolute"].NxDomains));
        Assert.Equal("srv.ghost.svc.cluster.local", lookups["namespaced"].Lookup.Answered);

        // Each round trip to CoreDNS before the answer is time getaddrinfo() waits.
        Assert.True(lookups["short"].Lookup.Latency < lookups["namespaced"].Lookup.Latency);
        Assert.True(lookups["namespaced"].Lookup.Latency < lookups["fqdn"].Lookup.Latency);
    }

    [Fact]
    public void A_name_that_resolves_to_nothing_is_refused_at_its_line_with_the_names_tried_and_the_Services_there_are()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("  - name: rr\n    test: TCP_RR\n    from: deployment/shop/client\n    to: \"srv.nowhere:80\"\n"));
        var error = Assert.Single(e.Errors);

        Assert.Equal((10, 9), (error.Line, error.Column));
        Assert.Contains("search shop.svc.cluster.local svc.cluster.local cluster.local, ndots:5", error.Message);
        Assert.Contains("tries srv.nowhere.shop.svc.cluster.local, srv.nowhere.svc.cluster.local, srv.nowhere.cluster.local, srv.nowhere, NXDOMAIN for each", error.Message);
        Assert.Contains("the manifests' Services: srv.shop.svc.cluster.local, srv.ghost.svc.cluster.local, db.shop.svc.cluster.local", error.Message);
    }

    [Fact]
    public void A_short_name_from_the_default_namespace_finds_NetPerfs_own_Service_and_is_refused_as_serving_nothing_of_the_manifests()
    {
        // NetPerf's client pod is in default, where its measured Service web is: web.default.svc.cluster.local answers first.
        var e = Assert.Throws<ScenarioException>(() => Load("  - {name: rr, test: TCP_RR, to: web}\n"));
        Assert.Contains("'web' from namespace default resolves to web.default.svc.cluster.local, NetPerf's measured Service", Assert.Single(e.Errors).Message);
    }

    [Fact]
    public void An_external_client_has_no_search_list_so_a_short_name_is_refused_and_a_full_one_names_the_Service()
    {
        var e = Assert.Throws<ScenarioException>(() => Load("  - {name: rr, test: TCP_RR, from: external, to: srv}\n"));
        Assert.Contains("an external client has no pod's resolv.conf search list and tries the name as written, srv, NXDOMAIN for each", Assert.Single(e.Errors).Message);

        // The full name picks the Service; a ClusterIP Service is then refused as out of an outside client's reach.
        var full = Assert.Throws<ScenarioException>(() => Load("  - {name: rr, test: TCP_RR, from: external, to: srv.ghost.svc.cluster.local}\n"));
        Assert.Contains("service/srv is ClusterIP", Assert.Single(full.Errors).Message);
    }
}
