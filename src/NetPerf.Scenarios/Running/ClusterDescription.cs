using System.Globalization;
using System.Text;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// A built cluster as kubectl would list it (get nodes / pods / svc -o wide), with what kube-proxy and the CNI
/// set up, and the route each node takes to a remote pod (ip route get).
/// </summary>
public static class ClusterDescription
{
    /// <summary>What describe prints, as data (describe -o json|yaml); <see cref="Describe"/> prints the same facts as text.</summary>
    public sealed record Facts(
        string Scenario, string Variant, string Cni, string KubeProxy, int CoresPerNode, double LinkGigabits,
        IReadOnlyList<NodeFacts> Nodes, IReadOnlyList<PodFacts> Pods, IReadOnlyList<ServiceFacts> Services,
        string RouteTarget, IReadOnlyList<RouteFacts> Routes, string DevicesNode, IReadOnlyList<DeviceFacts> Devices)
    {
        /// <summary>With racks, each ToR's route towards the remote server's node (several next hops: ECMP over the spines).</summary>
        public IReadOnlyList<RouteFacts> FabricRoutes { get; init; } = [];

        /// <summary>Services routed by the client's node or zone: each node's endpoints (none when no Service is).</summary>
        public IReadOnlyList<TopologyFacts> Topology { get; init; } = [];

        /// <summary>A Cilium variant's conntrack and NAT map sizes on every node; null for other plugins.</summary>
        public CiliumMapFacts? CiliumMaps { get; init; }
    }

    /// <summary>
    /// The max_entries of cilium_ct4_global, cilium_ct_any4_global and cilium_snat_v4_external, as the agent logs
    /// them (bpf-ct-global-tcp-max, bpf-ct-global-any-max, bpf-nat-global-max), and the node memory the ones not
    /// given were derived from by the ratio (null: none derived).
    /// </summary>
    public sealed record CiliumMapFacts(int CtTcp, int CtAny, int Nat, double DynamicSizeRatio, double? FromMemoryGiB, string Text);

    public sealed record NodeFacts(string Name, string Status, string InternalIp, string PodCidr, int Pods)
    {
        /// <summary>Its topology.kubernetes.io/zone label; null without one.</summary>
        public string? Zone { get; init; }
    }

    public sealed record PodFacts(string Name, string Ready, string Status, string Ip, string Node, IReadOnlyDictionary<string, string> Labels);

    public sealed record ServiceFacts(string Name, string Type, string ClusterIp, string Ports, string Selector);

    public sealed record RouteFacts(string Node, string Route);

    /// <summary>
    /// For a Service with internalTrafficPolicy Local or a trafficDistribution, what a client on one node reaches:
    /// the endpoints kube-proxy there programs (<see cref="Kubernetes.Services.ServiceTopology"/>), and why.
    /// </summary>
    public sealed record TopologyFacts(string Service, string Node, string Zone, IReadOnlyList<string> Endpoints, string Choice);

    /// <summary>A device as <c>ip -d link</c> shows it: its MTU, and its IPv4 GSO and GRO limits when BIG TCP raised them.</summary>
    public sealed record DeviceFacts(string Name, int Mtu, int GsoIpv4MaxSize = Network.Devices.NetDevice.LegacyGsoMaxSize, int GroIpv4MaxSize = Network.Devices.NetDevice.LegacyGsoMaxSize);

    public static Facts Collect(ClusterBuild b, Variant variant, Scenario scenario)
    {
        var c = b.Cluster;
        var nodes = c.Nodes.Select(n => new NodeFacts(n.Name, "Ready", n.Ip.ToString(), n.PodCidr.ToString(), n.Pods.Count) { Zone = n.Zone }).ToList();
        var pods = c.Pods.OrderBy(p => p.Node.Index).ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new PodFacts(p.Name, "1/1", "Running", p.Ip.ToString(), p.Node.Name, p.Labels.ToDictionary(kv => kv.Key, kv => kv.Value)))
            .ToList();

        // Replicas kube-scheduler's model left Pending: kubectl lists them with no IP and no node.
        pods.AddRange(b.Placement.Where(p => !p.Placement.IsRunning).Select(p =>
            new PodFacts(p.Name, "0/1", "Pending", "<none>", "<none>", scenario.Deployments[p.Deployment].Labels.ToDictionary(kv => kv.Key, kv => kv.Value))));
        pods.AddRange(scenario.Objects.Pending.Select(p =>
            new PodFacts(p.Pod.ClusterName, "0/1", "Pending", "<none>", "<none>", p.Pod.Labels.ToDictionary(kv => kv.Key, kv => kv.Value))));
        var services = new List<ServiceFacts>
        {
            new(ClusterLayout.KubeDns, "ClusterIP", b.KubeDnsIp.ToString(), "53/UDP", "k8s-app=kube-dns"),
            new(ClusterLayout.Service, "NodePort", b.ServiceIp.ToString(),
                $"{ClusterLayout.ServicePort}:{ClusterLayout.NodePort}/TCP", "app=netperf-server,netperf/role=remote"),
            new(ClusterLayout.HeadlessService, "ClusterIP", "None", $"{ClusterLayout.ServerPort}/TCP", "app=netperf-server,netperf/role=remote"),
        };
        foreach (var s in scenario.Services)
        {
            services.Add(new(s.Count > 1 ? $"{s.Name}-0..{s.Count - 1}" : s.Name, s.Type == ServiceType.Headless ? "ClusterIP" : s.Type.ToString(),
                s.Type == ServiceType.Headless ? "None" : "(from " + scenario.Cluster.ServiceCidr + ")", $"{s.Port}/{Choices.ServiceProtocolName(s.Protocol)}", string.Join(",", s.Selector.Select(kv => $"{kv.Key}={kv.Value}"))));
        }

        foreach (var m in scenario.Objects.Services)
        {
            string ports = string.Join(",", m.Ports.Select(p => $"{p.Port}{(p.NodePort is { } np ? $":{np}" : "")}/{p.Protocol.ToString().ToUpperInvariant()}"));
            string selector = m.Selector.Count == 0 ? "<none>" : string.Join(",", m.Selector.Where(kv => kv.Key != Manifests.ManifestCluster.NamespaceLabel).Select(kv => $"{kv.Key}={kv.Value}"));
            services.Add(new($"{m.Namespace}/{m.Name}", m.Type == Manifests.ManifestServiceType.Headless ? "ClusterIP" : m.Type.ToString(),
                m.Type == Manifests.ManifestServiceType.Headless ? "None" : m.ClusterIp.ToString(), ports, selector));
        }

        if (variant.ExtraServices > 0)
        {
            services.Add(new($"extra-0..{variant.ExtraServices - 1}", "ClusterIP", "(from " + scenario.Cluster.ServiceCidr + ")", $"{ClusterLayout.ServicePort}/TCP", "app=netperf-server,netperf/role=remote"));
        }

        var routes = c.Nodes.Select(n => new RouteFacts(n.Name, n.Root.Fib.Lookup(b.RemoteServer.Ip)?.ToString(i => n.Root.Device(i).Name) ?? "unreachable")).ToList();
        var devices = c.Node(1).Root.Devices.Select(d => new DeviceFacts(d.Name, d.Mtu, d.GsoIpv4MaxSize, d.GroIpv4MaxSize)).ToList();
        // With Cilium's kube-proxy replacement no kube-proxy runs, whatever mode the variant names.
        string kubeProxy = scenario.Cluster.Cilium.KubeProxyReplacement && variant.Cni.Family == "cilium" ? "none (replaced by Cilium's socket LB)" : variant.KubeProxy.Name;
        var remoteNode = b.RemoteServer.Node.Ip;
        var fabricRoutes = c.Fabric is { } fabric
            ? fabric.TopOfRack.Select(t => new RouteFacts(t.Host.Name, t.Host.Root.Fib.Lookup(remoteNode)?.ToString(i => t.Host.Root.Device(i).Name) ?? "unreachable")).ToList()
            : [];
        return new Facts(scenario.Name, variant.Name, variant.Cni.Name, kubeProxy, c.Options.CoresPerNode, c.Options.LinkGigabits,
            nodes, pods, services, b.RemoteServer.Ip.ToString(), routes, c.Node(1).Name, devices)
        {
            Topology = TopologyOf(b, scenario),
            FabricRoutes = fabricRoutes,
            CiliumMaps = variant.Cni.Family == "cilium" ? CiliumMapsOf(scenario.Cluster.Cilium) : null,
        };
    }

    private static CiliumMapFacts CiliumMapsOf(CiliumSpec cilium) =>
        new(cilium.MapSizes.CtTcp, cilium.MapSizes.CtAny, cilium.MapSizes.Nat, cilium.MapDynamicSizeRatio, cilium.MapSizesFromMemoryGiB, cilium.MapSizesInWords());

    private static List<TopologyFacts> TopologyOf(ClusterBuild b, Scenario scenario)
    {
        var c = b.Cluster;
        var facts = new List<TopologyFacts>();
        foreach (var m in scenario.Objects.Services.Where(m => m.Type != Manifests.ManifestServiceType.Headless))
        {
            var service = m.ForPort(m.Ports[0]);
            if (!Kubernetes.Services.ServiceTopology.IsPerNode(service))
            {
                continue;
            }

            var usable = service.Endpoints(c);
            foreach (var node in c.Nodes)
            {
                var chosen = Kubernetes.Services.ServiceTopology.InternalEndpoints(service, usable, node);
                facts.Add(new TopologyFacts($"{m.Namespace}/{m.Name}", node.Name, node.Zone ?? "<none>",
                    [.. chosen.Select(p => $"{p.Name}@{p.Node.Name}")], Kubernetes.Services.ServiceTopology.Describe(service, usable, node)));
            }
        }

        return facts;
    }

    public static string Describe(ClusterBuild b, Variant variant, Scenario scenario)
    {
        var f = Collect(b, variant, scenario);
        var text = new StringBuilder();
        text.AppendLine($"# {f.Scenario}, variant {f.Variant}: CNI {f.Cni}, {scenario.Cluster.Cilium.KubeProxyOf(variant)}, {f.Nodes.Count} nodes x {f.CoresPerNode} cores, {f.LinkGigabits.ToString(CultureInfo.InvariantCulture)} Gbit/s");
        if (f.CiliumMaps is { } maps)
        {
            // LRU hash maps: full, they evict the least recently used entry rather than refuse an insert.
            text.AppendLine($"# Cilium's BPF maps on every node: {maps.Text}");
        }

        text.AppendLine();
        if (f.Nodes.Any(n => n.Zone is not null))
        {
            // kubectl's -L adds a column per label, headed by the key's last segment in capitals.
            text.AppendLine($"$ kubectl get nodes -o wide -L {Kubernetes.Scheduling.SchedulingNode.ZoneLabel}");
            Table(text, ["NAME", "STATUS", "INTERNAL-IP", "POD-CIDR", "PODS", "ZONE"],
                f.Nodes.Select(n => new[] { n.Name, n.Status, n.InternalIp, n.PodCidr, n.Pods.ToString(CultureInfo.InvariantCulture), n.Zone ?? "" }));
        }
        else
        {
            text.AppendLine("$ kubectl get nodes -o wide");
            Table(text, ["NAME", "STATUS", "INTERNAL-IP", "POD-CIDR", "PODS"],
                f.Nodes.Select(n => new[] { n.Name, n.Status, n.InternalIp, n.PodCidr, n.Pods.ToString(CultureInfo.InvariantCulture) }));
        }
        text.AppendLine();
        text.AppendLine("$ kubectl get pods -o wide");
        Table(text, ["NAME", "READY", "STATUS", "IP", "NODE", "LABELS"],
            f.Pods.Select(p => new[]
            {
                p.Name, p.Ready, p.Status, p.Ip, p.Node,
                p.Labels.Count == 0 ? "<none>" : string.Join(",", p.Labels.Select(kv => $"{kv.Key}={kv.Value}")),
            }));
        foreach (var pending in b.Placement.Where(p => !p.Placement.IsRunning))
        {
            text.AppendLine($"# {pending.Name}: FailedScheduling: {pending.Placement.Message}");
        }

        foreach (var (pod, message) in scenario.Objects.Pending)
        {
            text.AppendLine($"# {pod.ClusterName}: FailedScheduling: {message}");
        }

        text.AppendLine();
        text.AppendLine("$ kubectl get svc -o wide");
        Table(text, ["NAME", "TYPE", "CLUSTER-IP", "PORT(S)", "SELECTOR"], f.Services.Select(s => new[] { s.Name, s.Type, s.ClusterIp, s.Ports, s.Selector }));
        text.AppendLine();
        text.AppendLine($"$ ip route get {f.RouteTarget}   # on each node, towards the remote server pod");
        foreach (var r in f.Routes)
        {
            text.AppendLine($"{r.Node}: {r.Route}");
        }

        if (f.FabricRoutes.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"$ ip route get {b.RemoteServer.Node.Ip}   # on each ToR, towards the remote server's node{(scenario.Cluster.Spines > 1 ? "; a flow takes one next hop (spine) by the ECMP hash of its 5-tuple: netperf trace shows which" : "")}");
            foreach (var r in f.FabricRoutes)
            {
                text.AppendLine($"{r.Node}: {r.Route}");
            }
        }

        if (f.Topology.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("# the endpoints kube-proxy sends each node's clients to (internalTrafficPolicy Local, trafficDistribution)");
            Table(text, ["SERVICE", "CLIENT-NODE", "ZONE", "ENDPOINTS", "WHY"],
                f.Topology.Select(t => new[] { t.Service, t.Node, t.Zone, t.Endpoints.Count == 0 ? "<none: dropped>" : string.Join(",", t.Endpoints), t.Choice }));
        }

        text.AppendLine();
        text.AppendLine($"$ ip link   # devices in {f.DevicesNode}'s root namespace");
        foreach (var d in f.Devices)
        {
            // ip -d link prints gso_ipv4_max_size and gro_ipv4_max_size always; shown here only when raised (BIG TCP), so other plugins' listings stay as they were.
            text.AppendLine(d.GsoIpv4MaxSize == Network.Devices.NetDevice.LegacyGsoMaxSize && d.GroIpv4MaxSize == Network.Devices.NetDevice.LegacyGsoMaxSize
                ? $"{d.Name}: mtu {d.Mtu}"
                : $"{d.Name}: mtu {d.Mtu} gso_ipv4_max_size {d.GsoIpv4MaxSize} gro_ipv4_max_size {d.GroIpv4MaxSize}");
        }

        return text.ToString();
    }

    private static void Table(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            text.AppendLine(string.Join("   ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
