using k8s.Models;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Manifests;

namespace NetPerf.Scenarios.Tests.Manifests;

/// <summary>Manifests as people write them, read as kubectl apply -f reads them: every object typed, every mistake at its line.</summary>
public class ManifestReaderTests
{
    // Shaped like a real set: a header comment, an anchor reused by alias and by merge key, several documents,
    // a ConfigMap and a CRD's object the simulation does not use, an empty document, and --- at the end.
    private const string Shop = """
        # shop: front end and cart
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: cart
          namespace: shop
          labels: &cart-labels
            app: cart
            tier: api
        spec:
          replicas: 3
          selector:
            matchLabels: *cart-labels
          template:
            metadata:
              labels: *cart-labels
            spec:
              containers:
              - name: cart
                image: registry.example/cart:1.4   # pinned
                ports:
                - name: http
                  containerPort: 8080
                resources: &small
                  requests: {cpu: 250m, memory: 128Mi}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: cart-config
          namespace: shop
        data:
          mode: fast
        ---
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: cart
          namespace: shop
        spec:
          selector:
            app: cart
          ports:
          - name: http
            port: 80
            targetPort: http
          - name: metrics
            port: 9090
            targetPort: 9090
            protocol: UDP
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: ServiceMonitor
        metadata:
          name: cart
          namespace: shop
        spec:
          endpoints: [{port: metrics}]
        ---
        """;

    [Fact]
    public void A_real_looking_set_reads_into_typed_objects_and_lists_what_it_ignores()
    {
        var set = ManifestReader.Parse(Shop, "shop.yaml");

        Assert.Equal(["namespace/shop", "deployment/shop/cart", "service/shop/cart"], set.Objects.Select(o => o.Id));
        var cart = set.Objects[1].As<V1Deployment>();
        Assert.Equal(3, cart.Spec.Replicas);
        Assert.Equal("api", cart.Spec.Template.Metadata.Labels["tier"]); // the alias resolved
        Assert.Equal("250m", cart.Spec.Template.Spec.Containers[0].Resources.Requests["cpu"].ToString());
        Assert.Equal(7, set.Objects[1].Line);

        var svc = set.Objects[2].As<V1Service>();
        Assert.Equal("http", svc.Spec.Ports[0].TargetPort.Value); // by name: resolved against the pods' container ports
        Assert.Equal("9090", svc.Spec.Ports[1].TargetPort.Value);
        Assert.Equal("UDP", svc.Spec.Ports[1].Protocol);

        Assert.Equal([("ConfigMap", 32), ("ServiceMonitor", 58)], set.Ignored.Select(i => (i.Kind, i.Line)));
    }

    [Fact]
    public void Merge_keys_merge_and_the_keys_written_beside_them_win()
    {
        const string text = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: probe
              labels: &base {app: probe, tier: tools}
            spec:
              containers:
              - &c
                name: a
                image: busybox
              - <<: *c
                name: b
            """;

        var pod = ManifestReader.Parse(text, "pod.yaml").Objects[0].As<V1Pod>();

        Assert.Equal(["a", "b"], pod.Spec.Containers.Select(c => c.Name));
        Assert.Equal("busybox", pod.Spec.Containers[1].Image);
    }

    [Fact]
    public void Every_unknown_field_is_reported_at_its_line_in_the_API_servers_words()
    {
        const string text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata:
                  labels: {app: web}
                  containers: []
                spec:
                  containers:
                  - name: web
                    image: nginx
                    prots:
                    - containerPort: 80
            """;

        var e = Assert.Throws<ScenarioException>(() => ManifestReader.Parse(text, "web.yaml"));

        Assert.Equal(2, e.Errors.Count);
        Assert.Equal((11, 7), (e.Errors[0].Line, e.Errors[0].Column));
        Assert.StartsWith("Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.metadata.containers\"", e.Errors[0].Message);
        Assert.Equal((16, 9), (e.Errors[1].Line, e.Errors[1].Column));
        // The API server's words, then the closest field (two swapped letters are one slip).
        Assert.EndsWith("strict decoding error: unknown field \"spec.template.spec.containers[0].prots\" (did you mean 'ports'?)", e.Errors[1].Message);
    }

    [Theory]
    [InlineData("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: old}\n", 1, "resource mapping not found for name: \"old\": no matches for kind \"Deployment\" in version \"extensions/v1beta1\"")]
    [InlineData("kind: Service\nmetadata: {name: x}\n", 1, "error validating data: [apiVersion not set]")]
    // A kind the group version does not serve is a typo, not a custom resource: kubectl finds no mapping for it.
    [InlineData("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n", 2, "resource mapping not found for name: \"web\": no matches for kind \"Deploymnet\" in version \"apps/v1\" (did you mean 'Deployment'?)")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {version: 1.0}\nspec: {containers: []}\n", 5, "metadata.labels.version: \"1.0\" is read as a number, and this field is text; quote it")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    resources: {requests: {cpu: lots}}\n", 7, "spec.containers[0].resources.requests.cpu: \"lots\" is not a quantity")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: Web}\nspec: {}\n", 3, "Service \"Web\" is invalid: metadata.name: Invalid value: \"Web\": a DNS-1035 label")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {}\n", 1, "Error from server (NotFound): error when creating \"m.yaml\": namespaces \"shop\" not found")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: {name: c}\n", 5, "spec.containers: expected a list; found a mapping")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", 5, "Pod \"p\" is defined twice (first at m.yaml:1)")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p\n", 3, "not valid YAML")]
    [InlineData("- a\n- b\n", 1, "expected a Kubernetes object (a mapping with apiVersion, kind and metadata); found a list")]
    public void A_bad_manifest_is_refused_at_its_line(string text, int line, string message)
    {
        var e = Assert.Throws<ScenarioException>(() => ManifestReader.Parse(text, "m.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal("m.yaml", error.File);
        Assert.Equal(line, error.Line);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_List_unpacks_into_its_items_and_empty_documents_are_skipped()
    {
        const string text = "---\n# nothing here\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n---\n";

        var set = ManifestReader.Parse(text, "list.yaml");

        Assert.Equal(["namespace/a", "namespace/b"], set.Objects.Select(o => o.Id));
        Assert.All(set.Objects, o => Assert.Equal(7 + set.Objects.ToList().IndexOf(o), o.Line));
    }
}
