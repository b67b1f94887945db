using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Scenarios.Estimation;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// The checks that need the whole scenario: names, what selectors select, address ranges that collide, what
/// each plugin can hold, what is not modelled. Each error points at the YAML node it is about.
/// </summary>
internal static class ScenarioChecks
{
    /// <summary>The keys the variants come from: a check about a variant's plugin says nothing when one was refused (the default stood in).</summary>
    private static readonly string[] VariantKeys = ["cluster.cni", "cluster.kubeProxy", "compare.cni", "compare.kubeProxy"];

    /// <summary>The keys a node's pod capacity comes from (the kubelet's and the plugin's IPAM's).</summary>
    private static readonly string[] PodCapacityKeys = ["cluster.nodes", "cluster.maxPods", "cluster.podsPerCore", "cluster.coresPerNode", "cluster.nodeCidrMaskSize", "cluster.cni", "compare.cni"];

    public static void Check(Scenario s, YamlNode root, Diagnostics d, bool allowOutside, long maxMemory)
    {
        TogetherChecks.Check(s, root, d);
        Unique(s.Deployments.Select(x => x.Name), ["web", ..ClusterLayout.PodNames], root, "deployments", d, "a deployment");
        Unique(s.Services.Select(x => x.Name), ClusterLayout.ServiceNames, root, "services", d, "a Service");
        Stamped(s.Services.Select(x => (x.Name, x.Count)), root, "services", d);
        Stamped(s.NetworkPolicies.Select(x => (x.Name, x.Count)), root, "networkPolicies", d);
        Unique(s.Workloads.Select(x => x.Name), [], root, "workloads", d, "a workload");
        Deployments(s, root, d);
        Services(s, root, d);
        Workloads(s, root, d);
        ServedWorkloads(s, root, d);
        Timeline(s, root, d);
        Addresses(s, root, d);
        Variants(s, root, d);
        Costs(s, root, d, allowOutside);
        Bgp(s, root, d);
        Policies(s, root, d);
        Scale(s, root, d, maxMemory);
        ZeroTimeLoops(s, root, d);
        Placement(s, root, d);
    }

    /// <summary>
    /// Where the deployments land (<see cref="ScenarioPlacement"/>), once the rest is valid: a nodeSelector no node
    /// matches is refused at its line; a replica kube-scheduler leaves Pending is a warning in its words; a node
    /// given more pods than its kubelet runs (bound with nodes:) or its plugin addresses is refused.
    /// </summary>
    private static void Placement(Scenario s, YamlNode root, Diagnostics d)
    {
        var c = s.Cluster;
        foreach (var (key, numbers) in new[] { ("nodeLabels", c.NodeLabels.Keys), ("nodeTaints", c.NodeTaints.Keys) })
        {
            foreach (int n in numbers.Where(n => n > c.Nodes && !d.IsRefused("cluster.nodes")))
            {
                d.Error(At(root, "cluster", key) ?? At(root, "cluster"), $"cluster.{key}: node {n} is not in the cluster; allowed: 1 to {c.Nodes}");
            }
        }

        var nodes = ScenarioPlacement.Nodes(c);
        for (int i = 0; i < s.Deployments.Count; i++)
        {
            var dep = s.Deployments[i];
            if (dep.NodeSelector.Count > 0 && !d.IsRefused("cluster.nodes", "cluster.zones", "cluster.nodeLabels") && !nodes.Any(n => dep.NodeSelector.All(kv => n.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)))
            {
                d.Error(At(root, "deployments", i, "nodeSelector") ?? At(root, "deployments", i),
                    $"deployments[{i}].nodeSelector: {Show(dep.NodeSelector)} matches no node, so every replica would stay Pending; the nodes' labels: {string.Join("; ", nodes.Select(n => $"{n.Name} {Show(n.Labels)}"))}");
            }

            if (dep.AntiAffinityKey is not null && dep.Labels.Count == 0)
            {
                d.Error(At(root, "deployments", i, "antiAffinity"), $"deployments[{i}].antiAffinity: keeps replicas apart by their labels, and deployments[{i}] has none; give it labels");
            }
        }

        if (d.Errors.Count > 0 || !ScenarioPlacement.UsesScheduler(s))
        {
            return;
        }

        var placed = ScenarioPlacement.Place(s);
        foreach (var group in placed.Where(p => !p.Placement.IsRunning).GroupBy(p => p.Deployment))
        {
            var first = group.First();
            d.Warning(At(root, "deployments", group.Key),
                $"deployments[{group.Key}] ({s.Deployments[group.Key].Name}): {group.Count()} of its {s.Deployments[group.Key].Pods} pods stay Pending; {first.Name}: {first.Placement.Message}");
        }

        var perNode = new int[c.Nodes + 1];
        foreach (var node in ClusterLayout.MeasuredPodNodes)
        {
            perNode[node]++;
        }

        foreach (var pod in placed.Where(p => p.Placement.IsRunning))
        {
            perNode[pod.Node]++;
        }

        int most = perNode.Max(), at = Array.IndexOf(perNode, most);
        if (most > c.PodsPerNode)
        {
            d.Error(At(root, "deployments") ?? At(root, "manifests") ?? At(root, "cluster"), $"deployments: node {at} gets {most} pods (the measured pods included); the kubelet runs at most {c.PodsPerNode} (min({c.PodsPerCore} x {c.CoresPerNode} cores, maxPods {c.MaxPods}))");
            return;
        }

        foreach (var cni in s.Variants().Select(v => v.Cni).Distinct().Where(k => most > k.PodsPerNode(c.NodeCidrMaskSize)))
        {
            d.Error(MaskAt(root), RangeTooSmall(root, cni, c.NodeCidrMaskSize, at, most));
        }
    }

    /// <summary>
    /// Products of keys that each pass their own cap but together would not fit, from the one estimator
    /// (<see cref="ScenarioEstimate"/>): the simulations in the file, and the memory of its largest simulation
    /// against <paramref name="maxMemory"/>, the error at the key that drives it.
    /// </summary>
    private static void Scale(Scenario s, YamlNode root, Diagnostics d, long maxMemory)
    {
        var estimate = ScenarioEstimate.Of(s);
        if (estimate.Simulations > ScenarioEstimate.MaxSimulations)
        {
            long paths = s.Workloads.Sum(w => (long)w.Paths.Count);
            d.Error(At(root, "compare") ?? At(root, "workloads") ?? root,
                $"{estimate.Simulations:N0} simulations ({s.Variants().Count} variant(s) x {paths} workload path(s) x {s.Replications} replication(s)); at most {ScenarioEstimate.MaxSimulations:N0} in one file: narrow compare or split the file");
        }

        if (estimate.Variants.Count == 0 || estimate.Largest is not { } big || big.Bytes <= maxMemory)
        {
            return;
        }

        var driver = big.Driver;
        var at = driver.Key switch
        {
            ScaleKey.Nodes => At(root, "cluster", "nodes"),
            ScaleKey.Deployments => At(root, "deployments", driver.Index),
            ScaleKey.Services => At(root, "services", driver.Index),
            ScaleKey.CompareServices => At(root, "compare", "services"),
            ScaleKey.Workloads => At(root, "workloads", driver.Index),
            ScaleKey.Manifests => At(root, "manifests"),
            _ => null,
        } ?? At(root, "cluster") ?? root;
        string key = driver.Key switch
        {
            ScaleKey.Nodes => "cluster.nodes",
            ScaleKey.Deployments => $"deployments[{driver.Index}]",
            ScaleKey.Services => driver.Index >= 0 ? $"services[{driver.Index}]" : "services",
            ScaleKey.CompareServices => "compare.services",
            ScaleKey.Workloads => $"workloads[{driver.Index}]",
            ScaleKey.Manifests => "manifests",
            _ => "cluster",
        };
        string variant = s.Variants().Count > 1 ? $" (variant {big.Variant})" : "";
        d.Error(at,
            $"{key}: one simulation{variant} would need about {ScaleEstimate.Size(big.Bytes)}, over the limit of {ScaleEstimate.Size(maxMemory)} (--max-memory; the default is 80% of this machine's memory); " +
            $"most of it for {driver.What} ({ScaleEstimate.Size(driver.Bytes)}); make that smaller");
    }

    /// <summary>A localhost path whose every stage costs nothing, with a server that does no work, never advances simulated time.</summary>
    private static void ZeroTimeLoops(Scenario s, YamlNode root, Diagnostics d)
    {
        if (s.CostFile is not null || s.Costs.Count == 0 || !s.Workloads.Any(w => w.Paths.Contains(CommunicationPath.Localhost) && w.ServiceTime == Engine.Time.SimTime.Zero))
        {
            return;
        }

        var table = CostTable.Profile(s.CostProfile ?? (s.Cluster.Fabric == ClusterFabric.Kind ? "kind" : "physical"));
        foreach (var (stage, cost) in s.Costs)
        {
            table[stage] = cost;
        }

        KernelStage[] loopback = [KernelStage.Syscall, KernelStage.TcpOutput, KernelStage.UdpOutput, KernelStage.IpOutput, KernelStage.LoopbackTransmit,
            KernelStage.BacklogReceive, KernelStage.IpInput, KernelStage.TcpInput, KernelStage.UdpInput, KernelStage.SocketDeliver];
        if (loopback.All(st => table[st] == default))
        {
            d.Error(At(root, "costs") ?? root,
                $"costs: every stage of the localhost path ({string.Join(", ", loopback)}) costs 0 and its server does no work (serviceTime 0): simulated time would never advance; give one of them a cost");
        }
    }

    private static void Policies(Scenario s, YamlNode root, Diagnostics d)
    {
        if (s.NetworkPolicies.Count == 0)
        {
            return;
        }

        Unique(s.NetworkPolicies.Select(p => p.Name), [], root, "networkPolicies", d, "a NetworkPolicy");
        var unenforced = s.Variants().Where(v => !v.Cni.EnforcesPolicy).ToList();
        if (unenforced.Count > 0)
        {
            d.Warning(At(root, "networkPolicies"),
                $"networkPolicies: {string.Join(" and ", unenforced.Select(v => v.Cni.Family).Distinct())} enforces no NetworkPolicy; in variant(s) {string.Join(", ", unenforced.Select(v => v.Name))} the policies are accepted and every connection is allowed");
        }

        for (int i = 0; i < s.NetworkPolicies.Count; i++)
        {
            var p = s.NetworkPolicies[i];
            if (!Selects(s, p.PodSelector) && !Matches(ClusterLayout.ClientLabels, p.PodSelector))
            {
                d.Warning(At(root, "networkPolicies", i, "podSelector"), $"networkPolicies[{i}].podSelector selects no pods: the policy changes nothing");
            }
        }
    }

    private static void Bgp(Scenario s, YamlNode root, Diagnostics d)
    {
        if (s.Bgp is not { } b)
        {
            return;
        }

        if (b.FailNode is { } fail && fail > b.Nodes.Min() && !d.IsRefused("bgp.nodes"))
        {
            d.Error(At(root, "bgp", "failNode"), $"bgp.failNode: node {fail} does not exist in the {b.Nodes.Min()}-node cluster; allowed: 1 to {b.Nodes.Min()}");
        }

        // bgp.reflectors follows cluster.calico.routeReflectors when left out: refused there, it is no number of the user's.
        bool reflectorsRefused = d.IsRefused("bgp.reflectors", "bgp.nodes", "bgp.topology") || (At(root, "bgp", "reflectors") is null && d.IsRefused("cluster.calico.routeReflectors", "cluster.calico"));
        if (b.Topologies.Contains("route-reflectors") && b.Reflectors >= b.Nodes.Min() && !reflectorsRefused)
        {
            d.Error(At(root, "bgp", "reflectors") ?? At(root, "bgp"), $"bgp.reflectors: {b.Reflectors} reflectors leave no client in the {b.Nodes.Min()}-node cluster; allowed: 1 to {b.Nodes.Min() - 1}");
        }

        if (b.JoinAt is { } join && b.FailNode is not null && join < b.FailAt)
        {
            d.Warning(At(root, "bgp", "joinAt"), "bgp.joinAt comes before failAt: the join's convergence is measured with the failed node still counted alive");
        }

        if (s.Bgp.Nodes.Max() > 200 && s.Bgp.Topologies.Contains("full-mesh"))
        {
            d.Warning(At(root, "bgp", "nodes"), $"bgp.nodes: a full mesh of {s.Bgp.Nodes.Max()} nodes has {s.Bgp.Nodes.Max() * (s.Bgp.Nodes.Max() - 1) / 2:N0} sessions; expect a long run");
        }
    }

    private static void Deployments(Scenario s, YamlNode root, Diagnostics d)
    {
        for (int i = 0; i < s.Deployments.Count; i++)
        {
            var dep = s.Deployments[i];
            if (!ScenarioReader.DnsLabel().IsMatch(dep.Name))
            {
                d.Error(At(root, "deployments", i, "name"), $"deployments[{i}].name: {Printable.Quote(dep.Name)} is not a DNS label; use lower-case letters, digits and '-'");
            }

            foreach (var (selector, what) in new[] { (ClusterLayout.RemoteSelector, "the measured Services' endpoint (web-1)"), (ClusterLayout.KubeDnsSelector, "CoreDNS behind kube-dns") })
            {
                if (dep.Replicas > 0 && Matches(dep.Labels, selector))
                {
                    d.Error(At(root, "deployments", i, "labels") ?? At(root, "deployments", i),
                        $"deployments[{i}].labels make its pods endpoints of {what} ({Show(selector)}), though they serve nothing; choose other labels");
                }
            }

            foreach (int n in dep.Nodes.Where(n => n > s.Cluster.Nodes && !d.IsRefused("cluster.nodes")))
            {
                d.Error(At(root, "deployments", i, "nodes"), $"deployments[{i}].nodes: node {n} does not exist; the cluster has nodes 1 to {s.Cluster.Nodes}");
            }
        }
    }

    private static void Services(Scenario s, YamlNode root, Diagnostics d)
    {
        for (int i = 0; i < s.Services.Count; i++)
        {
            var svc = s.Services[i];
            string name = svc.Count > 1 ? $"{svc.Name}-{svc.Count - 1}" : svc.Name;
            if (!ScenarioReader.DnsLabel().IsMatch(name))
            {
                d.Error(At(root, "services", i, "name"), $"services[{i}].name: {Printable.Quote(name)} is not a DNS label; use lower-case letters, digits and '-' (at most 63, with the -N of count)");
            }

            if (svc.Selector.Count == 0)
            {
                d.Error(At(root, "services", i, "selector") ?? At(root, "services", i), $"services[{i}].selector: empty; a Service selects pods by labels, e.g. {{app: web}}");
            }
            else if (!Selects(s, svc.Selector))
            {
                var labels = s.Deployments.Select(x => $"{x.Name} {Show(x.Labels)}").Append($"the measured servers {Show(ClusterLayout.ServerLabels)}");
                d.Error(At(root, "services", i, "selector"),
                    $"services[{i}].selector {Show(svc.Selector)} selects no pods; labels in this scenario: {string.Join("; ", labels)}");
            }

            if (svc.Type == ServiceType.LoadBalancer)
            {
                d.Error(At(root, "services", i, "type"), $"services[{i}].type: a scenario's own LoadBalancer Services are not modelled yet (the load-balancer path measures one); allowed: ClusterIP, NodePort, Headless");
            }
        }

        int nodePorts = s.Services.Where(x => x.Type == ServiceType.NodePort).Sum(x => x.Count);
        if (nodePorts > ClusterLayout.FreeNodePorts)
        {
            d.Error(At(root, "services"), $"services: {nodePorts} NodePort Services need more ports than the node-port range 30000-32767 has free ({ClusterLayout.FreeNodePorts})");
        }
    }

    private static void Workloads(Scenario s, YamlNode root, Diagnostics d)
    {
        for (int i = 0; i < s.Workloads.Count; i++)
        {
            var w = s.Workloads[i];
            if (!ScenarioReader.DnsLabel().IsMatch(w.Name))
            {
                d.Error(At(root, "workloads", i, "name"), $"workloads[{i}].name: {Printable.Quote(w.Name)} names result files; use lower-case letters, digits and '-'");
            }

            if (w.Test.IsUdp && s.Compare.MessageBytes.FirstOrDefault(b => b > 65_507) is > 0 and var big)
            {
                d.Error(At(root, "compare", "messageBytes"), $"compare.messageBytes: {big} bytes does not fit one UDP datagram (at most 65,507) for workloads[{i}] ({w.Test})");
            }

            if (w.Test.IsUdp && Math.Max(w.RequestBytes, w.ResponseBytes) > 65_507)
            {
                d.Error(At(root, "workloads", i, "request") ?? At(root, "workloads", i, "response"),
                    $"workloads[{i}]: a UDP datagram carries at most 65,507 bytes; {Math.Max(w.RequestBytes, w.ResponseBytes)} asked for");
            }

            if (w.Test == NetperfTestKind.DnsLookup && (w.Paths.Count != 1 || w.Paths[0] != CommunicationPath.ClusterIp || w.Route is not null || w.Service is not null))
            {
                d.Error(At(root, "workloads", i, "paths") ?? At(root, "workloads", i, "to") ?? At(root, "workloads", i, "service") ?? At(root, "workloads", i, "test"),
                    $"workloads[{i}]: DNS_LOOKUP resolves the measured Service's name from the client pod through kube-dns's ClusterIP; allowed: paths: [cluster-ip], no from/to or service");
            }

            // A from/to workload's path comes from its endpoints (its own errors say when they do not resolve), not from paths:.
            if (w.Route is null && w.Paths.Contains(CommunicationPath.LoadBalancer) && s.Cluster.Racks > 1 && !d.IsRefused("cluster.racks"))
            {
                var paths = At(root, "workloads", i, "paths") as YamlSequenceNode;
                var entry = paths?.Children.FirstOrDefault(p => p is YamlScalarNode { Value: "load-balancer" });
                d.Error(entry ?? (YamlNode?)paths ?? At(root, "workloads", i),
                    $"workloads[{i}].paths: load-balancer puts an LVS-NAT director on the nodes' segment, and cluster.racks {s.Cluster.Racks} gives them several; use one rack for this path");
            }

            if (w.Route is null && w.Paths.Contains(CommunicationPath.Egress) && !d.IsRefused(VariantKeys) && s.Variants().Select(v => v.Cni).FirstOrDefault(k => k.Masquerade is null) is { } unmasked)
            {
                var paths = At(root, "workloads", i, "paths") as YamlSequenceNode;
                var entry = paths?.Children.FirstOrDefault(p => p is YamlScalarNode { Value: "egress" });
                d.Error(entry ?? (YamlNode?)paths ?? At(root, "workloads", i),
                    $"workloads[{i}].paths: egress leaves through the plugin's masquerade to the node's address, which NetPerf does not build for {unmasked.Name}; compare plugins that have one: {string.Join(", ", Kubernetes.Cni.CniPlugins.All.Where(k => k.Masquerade is not null).Select(k => k.Name))}");
            }

            if (w.Route is null && w.Paths.Contains(CommunicationPath.LoadBalancer) && s.Cluster.Fabric == Kubernetes.Cluster.ClusterFabric.Kind && !d.IsRefused("cluster.fabric"))
            {
                var paths = At(root, "workloads", i, "paths") as YamlSequenceNode;
                var entry = paths?.Children.FirstOrDefault(p => p is YamlScalarNode { Value: "load-balancer" });
                d.Error(entry ?? (YamlNode?)paths ?? At(root, "workloads", i),
                    $"workloads[{i}].paths: a kind cluster has no external load balancer in front of its nodes (cluster.fabric: kind); use node-port, or fabric: switch for this path");
            }
        }

        if (s.Workloads.Count == 0 && root is YamlMappingNode m && m.Children.ContainsKey("workloads"))
        {
            d.Error(At(root, "workloads"), "workloads: empty; a scenario runs at least one workload");
        }
    }

    /// <summary>A workload's <c>service</c>: a scenario ClusterIP Service, reached over cluster-ip by a request/response test of its protocol.</summary>
    private static void ServedWorkloads(Scenario s, YamlNode root, Diagnostics d)
    {
        for (int i = 0; i < s.Workloads.Count; i++)
        {
            var w = s.Workloads[i];
            if (w.Service is not { } name)
            {
                continue;
            }

            var services = s.Services.Where(x => x.Type == ServiceType.ClusterIP && x.Count == 1).Select(x => x.Name).ToList();
            if (!services.Contains(name))
            {
                // Say what the named Service is when it is one, so that a NodePort or a stamped Service is not told to be added.
                string what = s.Services.FirstOrDefault(x => x.Name == name) is { } found
                    ? found.Count != 1
                        ? $"is stamped {found.Count} times (count: {found.Count}); a workload's service is one ClusterIP Service"
                        : $"is a {found.Type} Service; a workload's service is a ClusterIP Service, whose pods run its server (to reach a NodePort from outside: a NodePort Service of the manifests, and from: external, to: service/NAME)"
                    : "is not one of the scenario's ClusterIP Services (count 1)";
                d.Error(At(root, "workloads", i, "service"),
                    $"workloads[{i}].service: {Printable.Quote(name)} {what}{Diagnostics.Suggest(name, services)}; allowed: {(services.Count > 0 ? string.Join(", ", services) : "none: add a ClusterIP Service (count 1) under services")}");
            }

            if (w.Test != NetperfTestKind.TcpRr && w.Test != NetperfTestKind.TcpCrr && w.Test != NetperfTestKind.UdpRr)
            {
                d.Error(At(root, "workloads", i, "test"), $"workloads[{i}].test: a workload with a service runs its server in the Service's pods; allowed with service: TCP_RR, TCP_CRR, UDP_RR");
            }
            else if (s.Services.Select((x, k) => (Spec: x, Index: k)).FirstOrDefault(x => x.Spec.Name == name && x.Spec.Type == ServiceType.ClusterIP && x.Spec.Count == 1) is { Spec: { } served } found
                && served.Protocol != w.Test.Protocol && !d.IsRefused($"services[{found.Index}].protocol")) // a refused protocol was not the file's word
            {
                // A Service port forwards one protocol: kube-proxy writes its rules with -p tcp or -p udp.
                string protocol = Choices.ServiceProtocolName(served.Protocol);
                d.Error(At(root, "workloads", i, "test"),
                    $"workloads[{i}].test: {w.Test.Name} does not go over Service {Printable.Quote(name)}'s protocol {protocol}; allowed with it: {(protocol == "UDP" ? "UDP_RR" : "TCP_RR, TCP_CRR")}");
            }

            if (w.Paths.Count != 1 || w.Paths[0] != CommunicationPath.ClusterIp)
            {
                d.Error(At(root, "workloads", i, "paths") ?? At(root, "workloads", i, "service"), $"workloads[{i}].paths: a workload with a service goes to its ClusterIP; allowed: [cluster-ip]");
            }
        }
    }

    /// <summary>
    /// The timeline's entries: each within the measured window, each naming a deployment of the scenario (or,
    /// for deletePod, one of the pods a deployment starts with), scale to a count the deployment can hold.
    /// </summary>
    private static void Timeline(Scenario s, YamlNode root, Diagnostics d)
    {
        // The kubelet renews its node lease every 10 s (a quarter of nodeLeaseDurationSeconds' 40; its
        // nodeStatusUpdateFrequency is 10 s as well), and kube-controller-manager wants the grace period several
        // renewals long: shorter, and a real controller marks healthy nodes Unknown between two renewals. Here only a
        // failed node is watched, so a short grace period shortens a run without that side effect: say so.
        if (At(root, "cluster", "nodeMonitorGracePeriod") is { } grace && s.Cluster.NodeMonitorGracePeriod < Engine.Time.SimTime.FromSeconds(10))
        {
            d.Warning(grace, $"cluster.nodeMonitorGracePeriod {s.Cluster.NodeMonitorGracePeriod} is shorter than the kubelet's 10 s lease renewal: a real kube-controller-manager would mark healthy nodes Unknown too; the simulation watches only the failed node");
        }

        var entries = (At(root, "timeline") as YamlSequenceNode)?.Children ?? [];
        if (entries.Count == 0)
        {
            return;
        }

        // A stamped deployment (count) is name-0, name-1, ..., each starting with its own pods name-c-0, ...
        var stamps = s.Deployments.SelectMany(x => x.Count > 1 ? Enumerable.Range(0, x.Count).Select(c => (Name: $"{x.Name}-{c}", x.Replicas)) : [(x.Name, x.Replicas)]).ToList();
        var deployments = stamps.Select(x => x.Name).ToList();
        var pods = stamps.SelectMany(x => Enumerable.Range(0, x.Replicas).Select(r => $"{x.Name}-{r}")).ToList();
        int i = -1;
        foreach (var node in entries)
        {
            i++;
            if (node is not YamlMappingNode m)
            {
                continue;
            }

            string Text(string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode { Value: { } t } ? t : "";
            if (Text("at") is { Length: > 0 } at && YamlMap.ParseDuration(at) is { } t && t >= s.Duration)
            {
                d.Error(At(root, "timeline", i, "at"),
                    $"timeline[{i}].at: {Printable.Quote(at)} is past the measured window (duration {YamlMap.Show(s.Duration)}, counted from the warm-up's end); allowed: 0 to less than {YamlMap.Show(s.Duration)}");
            }

            string action = Text("action");
            string deployment = Text("deployment");
            if (action is "roll" or "scale" && deployment.Length > 0 && !deployments.Contains(deployment))
            {
                d.Error(At(root, "timeline", i, "deployment"),
                    $"timeline[{i}].deployment: no deployment named {Printable.Quote(deployment)}{Diagnostics.Suggest(deployment, deployments)}; allowed: {(deployments.Count > 0 ? string.Join(", ", deployments) : "none: add one under deployments")}");
            }

            string pod = Text("pod");
            if (action == "deletePod" && pod.Length > 0 && !pods.Contains(pod))
            {
                d.Error(At(root, "timeline", i, "pod"),
                    $"timeline[{i}].pod: no pod named {Printable.Quote(pod)} among the deployments' first pods{Diagnostics.Suggest(pod, pods)}; allowed: {ListedNames(pods, "none: add a deployment")}");
            }

            if (action is "drainNode" or "uncordonNode" or "failNode" && int.TryParse(Text("node"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1)
            {
                if (n > s.Cluster.Nodes)
                {
                    d.Error(At(root, "timeline", i, "node"), $"timeline[{i}].node: the cluster has no node {n}; allowed: 1 to {s.Cluster.Nodes}");
                }
                else if (action == "failNode" && n == 1)
                {
                    d.Error(At(root, "timeline", i, "node"), $"timeline[{i}].node: node 1 runs the workloads' clients, which would fail with it; allowed: 2 to {s.Cluster.Nodes}");
                }
                else if (action == "drainNode")
                {
                    DrainedNode(s, root, d, i);
                }
            }
        }

        TimelinePolicies(s, root, d);
        TimelineServices(s, root, d);
        TimelineTrafficPolicyChecks.Check(s, root, d);
        TimelineWorkloads(s, root, d);
        if (s.Timeline.Count > 0 && s.Bgp is not null && s.Workloads.Count == 0)
        {
            d.Error(At(root, "timeline"), "timeline: drives a cluster under a workload; a bgp-only scenario has none (give workloads)");
        }
    }

    /// <summary>
    /// addNetworkPolicy and removeNetworkPolicy, in time order: an added policy is one of the scenario's
    /// networkPolicies (by its built name; it does not exist until the entry), added once; a removed one exists at
    /// the entry's time (a scenario policy not held back or added earlier, or a manifest's) and is removed once.
    /// </summary>
    private static void TimelinePolicies(Scenario s, YamlNode root, Diagnostics d)
    {
        var scenarioPolicies = s.NetworkPolicies.SelectMany(p => Stamped(p.Name, p.Count)).ToList();
        var manifestPolicies = s.Objects.Policies.Select(p => p.Policy.Name).ToList();
        var held = s.Timeline.Where(e => e.Action == TimelineAction.AddNetworkPolicy && scenarioPolicies.Contains(e.Target)).Select(e => e.Target).ToHashSet();
        var exists = scenarioPolicies.Where(n => !held.Contains(n)).Concat(manifestPolicies).ToHashSet();
        var by = new Dictionary<string, TimelineEvent>(); // the entry that last added or removed a policy
        foreach (var e in s.Timeline.Where(e => e.Action is TimelineAction.AddNetworkPolicy or TimelineAction.RemoveNetworkPolicy && e.Target.Length > 0))
        {
            string where = $"timeline[{e.Entry}].networkPolicy";
            var at = At(root, "timeline", e.Entry, "networkPolicy");
            string name = Printable.Quote(e.Target);
            if (e.Action == TimelineAction.AddNetworkPolicy)
            {
                if (!scenarioPolicies.Contains(e.Target))
                {
                    d.Error(at, manifestPolicies.Contains(e.Target)
                        ? $"{where}: {name} is a manifest's NetworkPolicy, which exists from the start; allowed: a policy under networkPolicies ({Listed(scenarioPolicies)}), created only at this entry"
                        : $"{where}: no NetworkPolicy named {name} under networkPolicies{Diagnostics.Suggest(e.Target, scenarioPolicies)}; allowed: {Listed(scenarioPolicies)}");
                }
                else if (!exists.Add(e.Target))
                {
                    d.Error(at, $"{where}: {name} exists already at {YamlMap.Show(e.At)} (added by timeline[{by[e.Target].Entry}]); allowed: one addNetworkPolicy per policy, after its removal if it was removed");
                }
                else
                {
                    by[e.Target] = e;
                }

                continue;
            }

            if (exists.Remove(e.Target))
            {
                by[e.Target] = e;
            }
            else if (by.TryGetValue(e.Target, out var last))
            {
                d.Error(at, $"{where}: {name} no longer exists at {YamlMap.Show(e.At)} (removed by timeline[{last.Entry}]); allowed: the policies that exist then: {Listed([.. exists.Order(StringComparer.Ordinal)])}");
            }
            else if (held.Contains(e.Target))
            {
                var add = s.Timeline.First(x => x.Action == TimelineAction.AddNetworkPolicy && x.Target == e.Target);
                d.Error(at, $"{where}: {name} does not exist yet at {YamlMap.Show(e.At)} (timeline[{add.Entry}] adds it at {YamlMap.Show(add.At)}); allowed: a time after its addition");
            }
            else
            {
                var known = scenarioPolicies.Concat(manifestPolicies).ToList();
                d.Error(at, $"{where}: no NetworkPolicy named {name}{Diagnostics.Suggest(e.Target, known)}; allowed: {Listed(known)}");
            }
        }

        static string Listed(IReadOnlyList<string> names) => ListedNames(names, "none: add one under networkPolicies");
    }

    /// <summary>
    /// addService and removeService: one of the scenario's ClusterIP or NodePort Services (by its built name) or a
    /// manifest's ClusterIP, NodePort or LoadBalancer Service (namespace/name, or its name alone when one namespace
    /// only has it; a LoadBalancer is built as its NodePorts), added once (it does not exist before: the API
    /// server's AlreadyExists for a second) and removed once (after its addition, when it has one: NotFound before),
    /// in a scenario whose every variant runs kube-proxy (any of its modes: each writes and takes out a ClusterIP's
    /// and a NodePort's rules at its sync) with a plugin that leaves Services to it (Cilium's own load balancer is
    /// not told; each node's own rules of a Service with internalTrafficPolicy Local or a trafficDistribution are
    /// written and taken out too). Refused, as unmodelled: a headless Service. A workload that resolves an added Service's name starts at or after
    /// it: its client resolves the name when it starts, and CoreDNS has no record before; an outside client that
    /// dials a node's NodePort resolves nothing and may run before (its connections are refused until the sync).
    /// </summary>
    private static void TimelineServices(Scenario s, YamlNode root, Diagnostics d)
    {
        var entries = s.Timeline.Where(e => e.Action is TimelineAction.AddService or TimelineAction.RemoveService && e.Target.Length > 0).ToList();
        if (entries.Count == 0)
        {
            return;
        }

        var services = s.Services.SelectMany(x => Stamped(x.Name, x.Count).Select(n => (Name: n, Spec: x))).ToList();
        static bool Modelled(Manifests.ManifestService m) => m.Type != Manifests.ManifestServiceType.Headless;
        var allowedNames = services.Where(x => x.Spec.Type is Model.ServiceType.ClusterIP or Model.ServiceType.NodePort).Select(x => x.Name)
            .Concat(s.Objects.Services.Where(Modelled).Select(ExternalPolicyTarget.Key)).ToList();
        string allowed = ListedNames(allowedNames, "none: add a ClusterIP or NodePort Service under services or in a manifest");
        // The Service an entry names, as kubectl finds it: the scenario's by its built name first, else a manifest's namespace/name.
        string? KeyOf(string target) => services.Any(x => x.Name == target) ? target
            : ExternalPolicyTarget.Manifest(s, target, out _) is { } named ? ExternalPolicyTarget.Key(named) : null;
        var added = new Dictionary<string, TimelineEvent>(StringComparer.Ordinal); // by the Service's key: its built name, or namespace/name
        var removed = new Dictionary<string, TimelineEvent>(StringComparer.Ordinal);
        var manifestAdds = new Dictionary<string, (Manifests.ManifestService Service, TimelineEvent Add)>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            string where = $"timeline[{e.Entry}].service";
            var at = At(root, "timeline", e.Entry, "service");
            string name = Printable.Quote(e.Target);
            bool adds = e.Action == TimelineAction.AddService;
            string doing = adds ? "addition" : "removal";
            string key;
            if (services.FirstOrDefault(x => x.Name == e.Target) is { Spec: { } spec })
            {
                if (spec.Type is not (Model.ServiceType.ClusterIP or Model.ServiceType.NodePort))
                {
                    string type = spec.Type == Model.ServiceType.Headless ? "headless" : spec.Type.ToString();
                    d.Error(at, $"{where}: {name} is a {type} Service, whose {doing} while the run goes on is not modelled (ClusterIP and NodePort Services' rules are); allowed: {allowed}");
                    continue;
                }

                key = e.Target;
            }
            else if (ExternalPolicyTarget.Manifest(s, e.Target, out var several) is { } m)
            {
                if (!Modelled(m))
                {
                    d.Error(at, $"{where}: {name} is a headless Service (no rules: CoreDNS answers with its endpoints), whose {doing} while the run goes on is not modelled; allowed: {allowed}");
                    continue;
                }

                key = ExternalPolicyTarget.Key(m);
                if (adds)
                {
                    manifestAdds[key] = (m, e);
                }
            }
            else
            {
                d.Error(at, several.Count > 0
                    ? $"{where}: {name} names a Service in several namespaces ({string.Join(", ", several)}); allowed: namespace/name"
                    : $"{where}: no Service named {name} under services or in the manifests{Diagnostics.Suggest(e.Target, allowedNames)}; allowed: {allowed}");
                continue;
            }

            if (adds && added.TryGetValue(key, out var firstAdd))
            {
                d.Error(at, $"{where}: {name} exists already at {YamlMap.Show(e.At)} (added by timeline[{firstAdd.Entry}]); allowed: one addService per Service");
            }
            else if (adds)
            {
                added[key] = e;
            }
            else if (removed.TryGetValue(key, out var first))
            {
                d.Error(at, $"{where}: {name} no longer exists at {YamlMap.Show(e.At)} (removed by timeline[{first.Entry}]); allowed: one removeService per Service");
            }
            else if (entries.FirstOrDefault(x => x.Action == TimelineAction.AddService && KeyOf(x.Target) == key) is { } add && add.At >= e.At)
            {
                d.Error(at, $"{where}: {name} does not exist yet at {YamlMap.Show(e.At)} (timeline[{add.Entry}] adds it at {YamlMap.Show(add.At)}); allowed: a time after its addition");
            }
            else
            {
                removed[key] = e;
            }
        }

        foreach (var (name, add) in added)
        {
            // The scenario's Service by the workload's service; a manifest's by a route that resolves its name (not an outside client at a NodePort).
            var resolving = s.Workloads.Where(w => w.Service == name
                || (manifestAdds.ContainsKey(name) && w.Route is { } r && r.Service == name && !r.ViaNodePort && r.DialName is not null));
            foreach (var w in resolving)
            {
                var start = s.Timeline.FirstOrDefault(x => x.Action == TimelineAction.StartWorkload && x.Target == w.Name);
                if (start is null || start.At < add.At)
                {
                    d.Error(At(root, "timeline", add.Entry, "service"),
                        $"timeline[{add.Entry}].service: workload {Printable.Quote(w.Name)} is served by {Printable.Quote(name)}, which does not exist before {YamlMap.Show(add.At)} (no DNS record, no rules), and {(start is null ? "runs from the start" : $"starts at {YamlMap.Show(start.At)}")}; allowed: a startWorkload of {Printable.Quote(w.Name)} at {YamlMap.Show(add.At)} or later");
                }
            }
        }

        var first0 = entries[0];
        foreach (var v in s.Variants())
        {
            if (v.Cni.Family == "cilium")
            {
                d.Error(At(root, "timeline", first0.Entry, "action"),
                    $"timeline[{first0.Entry}].action: {first0.Action.Name()} is modelled with kube-proxy (iptables, ipvs or nftables) and a plugin that leaves Services to it; variant {v.Name} runs cilium, whose own Service load balancer is not told; allowed: a plugin other than cilium");
                break;
            }
        }
    }

    /// <summary>
    /// startWorkload and stopWorkload: one of the scenario's workloads, started at most once and stopped at most
    /// once, its stop after its start (a workload started late sends nothing before; one never started runs from
    /// before the warm-up).
    /// </summary>
    private static void TimelineWorkloads(Scenario s, YamlNode root, Diagnostics d)
    {
        var names = s.Workloads.Select(w => w.Name).Distinct().ToList();
        var seen = new Dictionary<(TimelineAction, string), TimelineEvent>();
        foreach (var e in s.Timeline.Where(e => e.Action is TimelineAction.StartWorkload or TimelineAction.StopWorkload && e.Target.Length > 0))
        {
            string where = $"timeline[{e.Entry}].workload";
            string name = Printable.Quote(e.Target);
            if (!names.Contains(e.Target))
            {
                d.Error(At(root, "timeline", e.Entry, "workload"),
                    $"{where}: no workload named {name}{Diagnostics.Suggest(e.Target, names)}; allowed: {ListedNames(names, "none: add one under workloads")}");
                continue;
            }

            if (seen.TryGetValue((e.Action, e.Target), out var earlier))
            {
                d.Error(At(root, "timeline", e.Entry, "workload"),
                    $"{where}: {e.Action.Name()} of {name} again (timeline[{earlier.Entry}] at {YamlMap.Show(earlier.At)}); allowed: one startWorkload and one stopWorkload per workload");
                continue;
            }

            seen[(e.Action, e.Target)] = e;
        }

        foreach (var ((action, name), stop) in seen.Where(x => x.Key.Item1 == TimelineAction.StopWorkload))
        {
            if (seen.TryGetValue((TimelineAction.StartWorkload, name), out var start) && stop.At <= start.At)
            {
                d.Error(At(root, "timeline", stop.Entry, "at"),
                    $"timeline[{stop.Entry}].at: stopWorkload of {Printable.Quote(name)} at {YamlMap.Show(stop.At)} is not after its start at {YamlMap.Show(start.At)} (timeline[{start.Entry}]); allowed: a time after {YamlMap.Show(start.At)}");
            }
        }
    }

    /// <summary>
    /// A drain that leaves a deployment none of its nodes schedulable (cordoned by the drains before it and not
    /// uncordoned since, or failed and marked unreachable by then: failNode's time plus nodeMonitorGracePeriod):
    /// its evicted pods' replacements stay Pending until a node is uncordoned. Allowed, and said at the entry.
    /// </summary>
    private static void DrainedNode(Scenario s, YamlNode root, Diagnostics d, int i)
    {
        var drain = s.Timeline.First(e => e.Entry == i);
        var cordoned = new HashSet<int>();
        foreach (var e in s.Timeline.TakeWhile(e => e != drain).Append(drain))
        {
            if (e.Action == TimelineAction.DrainNode)
            {
                cordoned.Add(e.Node);
            }
            else if (e.Action == TimelineAction.UncordonNode)
            {
                cordoned.Remove(e.Node);
            }
        }

        var unreachable = s.Timeline.Where(e => e.Action == TimelineAction.FailNode && e.At + s.Cluster.NodeMonitorGracePeriod <= drain.At).Select(e => e.Node).ToHashSet();
        foreach (var dep in s.Deployments)
        {
            var nodes = dep.Nodes.Count > 0 ? dep.Nodes : Enumerable.Range(1, s.Cluster.Nodes).ToList();
            if (nodes.Contains(drain.Node) && nodes.All(n => cordoned.Contains(n) || unreachable.Contains(n)))
            {
                string failed = unreachable.Count > 0 ? $"; failed and unreachable by then: {string.Join(", ", unreachable.Order())}" : "";
                d.Warning(At(root, "timeline", i, "node"),
                    $"timeline[{i}].node: draining node {drain.Node} leaves deployment {Printable.Quote(dep.Name)} no schedulable node (its nodes: {string.Join(", ", nodes.Distinct())}; cordoned by then: {string.Join(", ", cordoned.Order())}{failed}): its evicted pods' replacements stay Pending (timeline.csv: pod pending) until an uncordonNode");
            }
        }
    }

    /// <summary>kube-apiserver's maxCIDRBits for --service-cluster-ip-range: at most 2^20 addresses, an IPv4 /12.</summary>
    public const int MaxServiceCidrBits = 20;

    private static void Addresses(Scenario s, YamlNode root, Diagnostics d)
    {
        var cidr = s.Cluster.ServiceCidr;
        PodNetwork(s, root, d);
        if (d.IsRefused("cluster.serviceCidr"))
        {
            return; // the default range stood in: nothing to say about a range the user did not give
        }

        foreach (var (name, other) in new[] { ("the pod network", s.Cluster.ClusterCidr.ToString()), ("the node subnet", s.Cluster.NodeSubnet.ToString()) })
        {
            if (cidr.Overlaps(Ipv4Prefix.Parse(other)) && !d.IsRefused(name == "the pod network" ? "cluster.clusterCidr" : "cluster.nodeSubnet"))
            {
                d.Error(At(root, "cluster", "serviceCidr") ?? At(root, "cluster", "clusterCidr") ?? At(root, "cluster"), $"cluster.serviceCidr {cidr} overlaps {name} {other}; Service, pod and node addresses must not collide");
            }
        }

        // kube-apiserver refuses a Service range of more than 2^20 addresses (cmd/kube-apiserver/app/options/validation.go,
        // maxCIDRBits = 20: "specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12").
        if (cidr.Length < 32 - MaxServiceCidrBits)
        {
            d.Error(At(root, "cluster", "serviceCidr") ?? At(root, "cluster"), $"cluster.serviceCidr {cidr} is too large: kube-apiserver allows at most {1 << MaxServiceCidrBits:N0} addresses (for 32-bit addresses the mask must be >= {32 - MaxServiceCidrBits}); use a /{32 - MaxServiceCidrBits} or longer, such as the default 10.96.0.0/12 ({(1 << MaxServiceCidrBits) - 2:N0} ClusterIPs)");
            return;
        }

        long needed = ClusterLayout.ReservedServiceIps + s.Services.Sum(x => (long)x.Count) + s.Compare.Services.DefaultIfEmpty(0).Max();
        // Network and broadcast addresses are not handed out; a /31 or /32 holds none (and Size - 2 would wrap).
        long holds = Math.Max(0, (long)cidr.Size - 2);
        if (needed > holds)
        {
            int length = 32 - (int)Math.Ceiling(Math.Log2(needed + 2.0));
            string fix = length >= 32 - MaxServiceCidrBits
                ? $"widen it: a /{length} holds {(1L << (32 - length)) - 2:N0}"
                : $"no range kube-apiserver allows holds that many (a /{32 - MaxServiceCidrBits} holds {(1 << MaxServiceCidrBits) - 2:N0}); give fewer Services";
            d.Error(At(root, "cluster", "serviceCidr") ?? At(root, "services"), $"cluster.serviceCidr {cidr} holds {holds:N0} ClusterIPs; the scenario needs {needed:N0} ({ClusterLayout.ReservedServiceIps} NetPerf's own, the rest its Services; kube-apiserver's allocator hands out neither the network nor the broadcast address); {fix}");
        }
    }

    /// <summary>
    /// The cluster CIDR and node mask as kube-controller-manager's node IPAM checks them (cmd/kube-controller-manager
    /// nodeipam: the node mask at least the cluster CIDR's; cidrset: at most 16 bits longer), and the nodes they hold:
    /// node N takes the N-th range, so a /16 of /24s holds 256 ranges and 255 nodes. Past that kube-controller-manager
    /// would leave nodes without a podCIDR ("CIDR allocation failed; there are no remaining CIDRs left to allocate in
    /// the accepted range"), and their pods without addresses.
    /// </summary>
    private static void PodNetwork(Scenario s, YamlNode root, Diagnostics d)
    {
        var c = s.Cluster;
        var at = At(root, "cluster", "nodeCidrMaskSize") ?? At(root, "cluster", "clusterCidr") ?? At(root, "cluster");
        if (c.ClusterCidr.Overlaps(c.NodeSubnet) && !d.IsRefused("cluster.clusterCidr", "cluster.nodeSubnet"))
        {
            d.Error(At(root, "cluster", "clusterCidr") ?? at, $"cluster.clusterCidr {c.ClusterCidr} overlaps the node subnet {c.NodeSubnet}; pod and node addresses must not collide");
        }

        NodeSubnet(s, root, d);
        if (d.IsRefused("cluster.nodeCidrMaskSize", "cluster.clusterCidr"))
        {
            return; // the node ranges come from both: a default in either's place says nothing of the user's
        }

        if (c.NodeCidrMaskSize < c.ClusterCidr.Length)
        {
            d.Error(at, $"cluster.nodeCidrMaskSize: /{c.NodeCidrMaskSize} is shorter than clusterCidr {c.ClusterCidr}; kube-controller-manager requires the node mask to be at least the cluster CIDR's length (/{c.ClusterCidr.Length} to /{Math.Min(KubernetesCluster.LongestNodeMask, c.ClusterCidr.Length + KubernetesCluster.MaxNodeMaskDiff)})");
            return;
        }

        if (c.NodeCidrMaskSize - c.ClusterCidr.Length > KubernetesCluster.MaxNodeMaskDiff)
        {
            d.Error(at, $"cluster.nodeCidrMaskSize: /{c.NodeCidrMaskSize} is {c.NodeCidrMaskSize - c.ClusterCidr.Length} bits longer than clusterCidr {c.ClusterCidr}; kube-controller-manager allows at most {KubernetesCluster.MaxNodeMaskDiff} (\"the node CIDR size is too big\"): a node mask of /{c.ClusterCidr.Length + KubernetesCluster.MaxNodeMaskDiff} or shorter, or a longer clusterCidr");
            return;
        }

        if (!d.IsRefused(VariantKeys) && s.Variants().FirstOrDefault(v => c.NodeCidrMaskSize > v.Cni.LongestNodeMask) is { } tooLong)
        {
            d.Error(at, $"cluster.nodeCidrMaskSize: /{c.NodeCidrMaskSize} with {tooLong.Cni.Name} (variant {tooLong.Name}): calico-ipam puts a node's first /{Kubernetes.Cni.CalicoRouted.BlockLength} block at the start of its range, so a range shorter than a block would put two nodes' first blocks in one; allowed: /{c.ClusterCidr.Length} to /{tooLong.Cni.LongestNodeMask}");
            return;
        }

        long ranges = KubernetesCluster.PodRanges(c.ClusterCidr, c.NodeCidrMaskSize);
        if (c.Nodes > ranges - 1 && !d.IsRefused("cluster.nodes"))
        {
            d.Error(At(root, "cluster", "nodes") ?? at,
                $"cluster.nodes: {c.Nodes} nodes, and clusterCidr {c.ClusterCidr} with nodeCidrMaskSize {c.NodeCidrMaskSize} holds {ranges:N0} node ranges (node N takes the N-th, the first stays unused: {ranges - 1:N0} nodes); kube-controller-manager would leave the rest without a podCIDR; widen clusterCidr (a /{Widest(c.Nodes, c.NodeCidrMaskSize)} holds {c.Nodes:N0}){(c.NodeCidrMaskSize < KubernetesCluster.LongestNodeMask ? $" or lengthen nodeCidrMaskSize (each node's range then holds fewer pods: {PodsAt(s, c.NodeCidrMaskSize + 1)} at /{c.NodeCidrMaskSize + 1})" : "")}");
        }
    }

    /// <summary>
    /// The node subnet and the nodes it holds. On one switch node N is its N-th address and its last /24 the outside
    /// segment (the external hosts and the gateway), so a /20 holds 3,840 nodes and a /19 7,936. With racks the fabric
    /// is numbered in it (<see cref="Kubernetes.Fabric.RackAddressing"/>: the links' /24s, a /24 of 253 nodes a rack,
    /// the outside /24), so a /20 numbers 14 racks (3,542 nodes) and a /19 29 (7,337). A subnet too small for the
    /// nodes is refused at its own line when the file gives it, else at cluster.nodes.
    /// </summary>
    private static void NodeSubnet(Scenario s, YamlNode root, Diagnostics d)
    {
        var c = s.Cluster;
        var given = At(root, "cluster", "nodeSubnet");
        var at = given ?? At(root, "cluster");
        if (d.IsRefused("cluster.nodeSubnet"))
        {
            return;
        }

        if (c.NodeSubnet.Length < KubernetesCluster.WidestNodeSubnet || c.NodeSubnet.Length > KubernetesCluster.NarrowestNodeSubnet)
        {
            d.Error(at, $"cluster.nodeSubnet: {c.NodeSubnet} is a /{c.NodeSubnet.Length}; allowed: /{KubernetesCluster.WidestNodeSubnet} ({KubernetesCluster.MaxNodesAnySubnet:N0} nodes) to /{KubernetesCluster.NarrowestNodeSubnet} (256): node N is its N-th address and its last /24 is the outside segment");
            return;
        }

        if (d.IsRefused("cluster.racks") || d.IsRefused("cluster.nodes"))
        {
            return; // where the nodes go and how many fit both follow the racks and the count
        }

        if (c.Racks > 1)
        {
            RackSubnets(s, root, given, d);
            return;
        }

        int holds = KubernetesCluster.MaxNodesOn(c.NodeSubnet);
        if (c.Nodes > holds)
        {
            int length = 32 - (int)Math.Ceiling(Math.Log2(c.Nodes + 256.0));
            var wider = new Ipv4Prefix(c.NodeSubnet.Network, Math.Max(KubernetesCluster.WidestNodeSubnet, length));
            string fix = $"node N is its N-th address and its last /24 is the outside segment; widen it: cluster.nodeSubnet: {wider} holds {KubernetesCluster.MaxNodesOn(wider):N0}";
            d.Error(given ?? At(root, "cluster", "nodes") ?? at, given is not null
                ? $"cluster.nodeSubnet: {c.NodeSubnet} holds {holds:N0} nodes, and cluster.nodes is {c.Nodes:N0}; {fix}"
                : $"cluster.nodes: {c.Nodes:N0} nodes, and the node subnet {c.NodeSubnet} holds {holds:N0}; {fix}");
        }
    }

    /// <summary>
    /// With racks: the nodes the subnet's racks hold, the racks it numbers and the nodes the racks asked for hold, in
    /// that order (each error says the count that would fit, and the subnet or rack count that holds the nodes).
    /// </summary>
    private static void RackSubnets(Scenario s, YamlNode root, YamlNode? given, Diagnostics d)
    {
        var c = s.Cluster;
        int perRack = Kubernetes.Fabric.RackAddressing.NodesPerRack;
        int maxRacks = Kubernetes.Fabric.RackAddressing.MaxRacks(c.NodeSubnet);
        int holds = maxRacks * perRack;
        int needed = Math.Max(c.Racks, Kubernetes.Fabric.RackAddressing.RacksFor(c.Nodes));
        if (c.Nodes > holds || c.Racks > maxRacks)
        {
            // The narrowest subnet from the same network that numbers the racks the nodes need (a /16 numbers 239).
            var wider = Enumerable.Range(KubernetesCluster.WidestNodeSubnet, KubernetesCluster.NarrowestNodeSubnet - KubernetesCluster.WidestNodeSubnet + 1).Reverse()
                .Select(l => new Ipv4Prefix(c.NodeSubnet.Network, l))
                .Cast<Ipv4Prefix?>()
                .FirstOrDefault(p => Kubernetes.Fabric.RackAddressing.MaxRacks(p!.Value) >= needed);
            string layout = maxRacks > 0
                ? $"{maxRacks} racks of {perRack} (a /24 a rack, after the fabric's links' /24 and before the outside segment's)"
                : "no room for two racks (a /24 a rack besides the fabric's links' /24 and the outside segment's)";
            string fix = wider is { } w
                ? $"widen it: cluster.nodeSubnet: {w} numbers {Kubernetes.Fabric.RackAddressing.MaxRacks(w)} racks ({Kubernetes.Fabric.RackAddressing.MaxNodesOn(w):N0} nodes)"
                : $"no node subnet numbers {needed} racks (a /{KubernetesCluster.WidestNodeSubnet} numbers {Kubernetes.Fabric.RackAddressing.MaxRacks(new Ipv4Prefix(c.NodeSubnet.Network, KubernetesCluster.WidestNodeSubnet))})";
            if (c.Nodes > holds)
            {
                d.Error(given ?? At(root, "cluster", "nodes") ?? At(root, "cluster"), given is not null
                    ? $"cluster.nodeSubnet: {c.NodeSubnet} holds {holds:N0} nodes on racks, {layout}, and cluster.nodes is {c.Nodes:N0} ({needed} racks or more); {fix}"
                    : $"cluster.nodes: {c.Nodes:N0} nodes, and racks in the node subnet {c.NodeSubnet} hold {holds:N0}: {layout}; {needed} racks or more, and {fix}");
            }
            else
            {
                d.Error(At(root, "cluster", "racks") ?? At(root, "cluster"),
                    $"cluster.racks: {c.Racks} racks, and the node subnet {c.NodeSubnet} numbers {layout}; allowed: 2 to {maxRacks}, or {fix}");
            }

            return;
        }

        if (c.Nodes > c.Racks * perRack)
        {
            d.Error(At(root, "cluster", "racks") ?? At(root, "cluster"),
                $"cluster.racks: {c.Racks} racks hold {c.Racks * perRack:N0} nodes ({perRack} a rack: a /24 each, .254 its ToR router), and cluster.nodes is {c.Nodes:N0}; allowed: {needed} to {maxRacks} racks in {c.NodeSubnet}");
        }
    }

    /// <summary>
    /// A node's range too small for its pods, said at the key that sets the range when the file gives it (else as
    /// the deployments' error): what the range holds on the plugin, and the longest node mask that would hold them.
    /// </summary>
    private static string RangeTooSmall(YamlNode root, Kubernetes.Cni.CniPluginKind cni, int mask, int node, int pods)
    {
        string what = $"node {node} gets {pods} pods (the measured pods included); {cni} addresses at most {cni.PodsPerNode(mask)} per node{RangeNote(cni, mask)}";
        if (At(root, "cluster", "nodeCidrMaskSize") is null)
        {
            return $"deployments: {what}";
        }

        int? fits = Enumerable.Range(8, 32 - 8 + 1).Reverse().Cast<int?>().FirstOrDefault(m => cni.PodsPerNode(m!.Value) >= pods);
        string allowed = fits is { } longest ? $"allowed: /{longest} or shorter for {pods} pods" : $"no node mask holds {pods} pods on {cni}: fewer pods a node";
        return $"cluster.nodeCidrMaskSize: /{mask}: {what}; {allowed}";
    }

    /// <summary>Where an error about the pods a node's range addresses points: the node mask that sets the range, else what asks for the pods.</summary>
    private static YamlNode? MaskAt(YamlNode root) =>
        At(root, "cluster", "nodeCidrMaskSize") ?? At(root, "deployments") ?? At(root, "manifests") ?? At(root, "cluster") ?? root;

    /// <summary>Why a host-local plugin addresses fewer pods than its cap: its node range (network, gateway and broadcast taken), and what to change.</summary>
    internal static string RangeNote(Kubernetes.Cni.CniPluginKind cni, int mask) =>
        cni.PodsPerNode(mask) < cni.MaxPodsPerNode
            ? $" (its IPAM addresses pods from the node's /{mask} range: {1L << (32 - mask)} addresses less {cni.NodeRangeReserved} for network, gateway and broadcast; a shorter cluster.nodeCidrMaskSize holds more)"
            : "";

    /// <summary>The pods a node can address at node mask <paramref name="mask"/> under the scenario's most constrained plugin, with the plugin's name.</summary>
    private static string PodsAt(Scenario s, int mask)
    {
        var cni = s.Variants().Select(v => v.Cni).Distinct().MinBy(k => k.PodsPerNode(mask))!;
        return $"{cni.PodsPerNode(mask)} on {cni.Name}";
    }

    /// <summary>The longest cluster CIDR prefix whose node ranges of <paramref name="mask"/> bits hold <paramref name="nodes"/> nodes (and the unused first).</summary>
    private static int Widest(int nodes, int mask) => mask - (int)Math.Ceiling(Math.Log2(nodes + 1));

    /// <summary>
    /// Calico's tested size for its default node-to-node mesh: route reflectors are recommended "once you go above
    /// ~50-100 nodes (we test up to 100 nodes without RRs)" (Calico's maintainers, quoted in kubernetes/kops#6047).
    /// </summary>
    public const int CalicoTestedMeshNodes = 100;

    /// <summary>
    /// Past this many nodes a BGP-routed Calico cluster in the node-to-node mesh is refused: NetPerf's judgement (not a
    /// Calico figure), ten times the mesh Calico tests, 499,500 sessions, a control plane no real cluster of that size
    /// runs; with route reflectors (cluster.calico.routeReflectors) the same cluster is accepted.
    /// </summary>
    public const int MaxMeshNodes = 1_000;

    /// <summary>
    /// Calico's BGP peering at a node count: route reflectors checked against the nodes; the default mesh a warning
    /// past the tested size and an error past <see cref="MaxMeshNodes"/>, with its sessions and the reflected
    /// alternative's.
    /// </summary>
    private static void CalicoMesh(Scenario s, YamlNode root, Diagnostics d)
    {
        int n = s.Cluster.Nodes;
        var peering = s.Cluster.BgpPeering;
        var meshed = s.Variants().FirstOrDefault(v => v.Cni.BgpMesh);
        if (d.IsRefused("cluster.calico.routeReflectors", "cluster.calico", "cluster.nodes"))
        {
            return; // the reflectors or the nodes they serve are a default's, not the user's
        }

        if (peering.Topology == Kubernetes.Bgp.BgpTopology.RouteReflectors)
        {
            var rr = At(root, "cluster", "calico", "routeReflectors") ?? At(root, "cluster");
            if (meshed is null && !d.IsRefused(VariantKeys))
            {
                d.Error(rr, $"cluster.calico.routeReflectors: no variant runs BIRD ({string.Join(", ", s.Variants().Select(v => v.Cni.Name).Distinct())}); route reflectors apply to Calico's BGP-routed pools: {string.Join(", ", Kubernetes.Cni.CniPlugins.All.Where(k => k.BgpMesh).Select(k => k.Name))}");
            }
            else if (peering.Reflectors >= n)
            {
                d.Error(rr, $"cluster.calico.routeReflectors: {peering.Reflectors} reflectors among {n} nodes leaves no client; allowed: 1 to {n - 1} (the first nodes reflect, every other node peers with each of them)");
            }

            return;
        }

        if (n <= CalicoTestedMeshNodes || meshed is null || d.IsRefused(VariantKeys))
        {
            return;
        }

        long sessions = peering.Sessions(n);
        var two = Kubernetes.Bgp.BgpPeering.Reflected(2);
        string what = $"cluster.nodes: {n:N0} nodes on {meshed.Cni.Name} (variant {meshed.Name}): Calico's default node-to-node mesh is {n:N0} x {n - 1:N0} / 2 = {Estimation.ScaleEstimate.Count(sessions)} BGP sessions, each node's BIRD peering with {n - 1:N0} others; Calico recommends route reflectors above ~{CalicoTestedMeshNodes} nodes (cluster.calico.routeReflectors: 2 makes it {two.Sessions(n):N0} sessions, 2 per node)";
        var at = At(root, "cluster", "nodes") ?? At(root, "cluster");
        if (n > MaxMeshNodes)
        {
            d.Error(at, $"{what}; at most {MaxMeshNodes:N0} nodes in a mesh. Give route reflectors, or use calico-vxlan or calico-vxlan-crosssubnet (felix programs their routes, no BGP), or fewer nodes");
        }
        else
        {
            d.Warning(at, $"{what}; the routes are modelled as the mesh would leave them once converged");
        }
    }

    private static void Variants(Scenario s, YamlNode root, Diagnostics d)
    {
        bool racksRefused = d.IsRefused("cluster.racks");
        if (s.Cluster.Spines > 1 && s.Cluster.Racks == 1 && !racksRefused && !d.IsRefused("cluster.spines"))
        {
            d.Error(At(root, "cluster", "spines"), $"cluster.spines: {s.Cluster.Spines} spines join racks' top-of-rack routers, and the cluster is one switch (racks 1); give cluster.racks of 2 or more, or leave spines out");
        }

        CalicoMesh(s, root, d);
        var variants = s.Variants();
        if (s.Cluster.Racks > 1 && !racksRefused && !d.IsRefused(VariantKeys) && variants.FirstOrDefault(v => v.Cni.NeedsOneL2Segment) is { } hostGw)
        {
            var racks = At(root, "cluster", "racks");
            // The same project's plugins that cross routers (a Cilium user is pointed at Cilium's tunnels, not Flannel's).
            var kin = Kubernetes.Cni.CniPlugins.All.Where(k => k.Family == hostGw.Cni.Family && !k.NeedsOneL2Segment).Select(k => k.Name).ToList();
            string instead = kin.Count > 0 ? string.Join(", or ", kin) : "flannel-vxlan, or calico-ipip-crosssubnet";
            d.Error(racks, $"cluster.racks: {s.Cluster.Racks} racks put the nodes on {s.Cluster.Racks} subnets behind routers, and {hostGw.Cni.Name} (variant {hostGw.Name}) routes pods straight to the other nodes, which needs every node on one L2 segment; use one rack, or {instead}");
        }

        if (!d.IsRefused(VariantKeys) && variants.FirstOrDefault(v => !v.Cni.Supports(v.KubeProxy)) is { } unsupported)
        {
            d.Error(At(root, "compare", "kubeProxy") ?? At(root, "cluster", "kubeProxy") ?? At(root, "cluster", "cni"),
                $"kubeProxy: {unsupported.Cni.Name} (variant {unsupported.Name}) does not run beside kube-proxy's {unsupported.KubeProxy.Name} mode; it runs with: {string.Join(", ", unsupported.Cni.ProxyModes)}");
        }

        // Cilium's DSR as modelled carries the frontend in an IPv4 option (loadBalancer.dsrDispatch: opt), which its
        // agent allows only with native routing. Its Geneve dispatch (the frontend in a Geneve option) also runs in a
        // Geneve tunnel (Documentation/network/kubernetes/kubeproxy-free.rst, "DSR with Geneve": native or Geneve
        // tunnel, never VXLAN), but NetPerf does not build it, so a tunnelled variant is refused whatever its protocol.
        if (s.Cluster.Cilium is { KubeProxyReplacement: true, LoadBalancerMode: not Kubernetes.Cni.Cilium.CiliumLoadBalancerMode.Snat } cilium
            && variants.FirstOrDefault(v => v.Cni.Create() is Kubernetes.Cni.Cilium.CiliumDatapath { Routing: not Kubernetes.Cni.Cilium.CiliumRouting.Native }) is { } tunnelled)
        {
            bool geneve = tunnelled.Cni.Create() is Kubernetes.Cni.Cilium.CiliumDatapath { Routing: Kubernetes.Cni.Cilium.CiliumRouting.Geneve };
            d.Error(At(root, "cluster", "cilium", "loadBalancerMode") ?? At(root, "cluster", "cilium"),
                $"cluster.cilium.loadBalancerMode: {cilium.LoadBalancerMode.ToString().ToLowerInvariant()} sends NodePort packets by DSR, whose IPv4 option Cilium allows only with native routing, and {tunnelled.Cni.Name} (variant {tunnelled.Name}) tunnels; Cilium's agent refuses to start so. " +
                (geneve ? "In a Geneve tunnel Cilium would need DSR's Geneve dispatch (loadBalancer.dsrDispatch: geneve), which NetPerf does not model. " : "") +
                "Use snat, or compare cilium-native only");
        }

        // BIG TCP: the agent refuses it in tunnelling mode (pkg/datapath/linux/bigtcp validateConfig, "BIG TCP is not
        // supported in tunneling mode"), and without IPv4 BIG TCP in the kernel (6.3) warns and runs without it.
        if (s.Cluster.Cilium.BigTcp)
        {
            if (variants.FirstOrDefault(v => v.Cni.Create() is Kubernetes.Cni.Cilium.CiliumDatapath { Routing: not Kubernetes.Cni.Cilium.CiliumRouting.Native }) is { } tunnel)
            {
                d.Error(At(root, "cluster", "cilium", "bigTcp") ?? At(root, "cluster", "cilium"),
                    $"cluster.cilium.bigTcp: Cilium's agent refuses BIG TCP in tunnelling mode (\"BIG TCP is not supported in tunneling mode\", pkg/datapath/linux/bigtcp), and {tunnel.Cni.Name} (variant {tunnel.Name}) tunnels; BIG TCP needs native routing: compare cilium-native only, or drop bigTcp");
            }

            if (variants.FirstOrDefault(v => v.Cni.Family == "cilium" && !(v.Kernel ?? s.Cluster.Kernel).HasIpv4BigTcp) is { } old)
            {
                d.Warning(At(root, "cluster", "cilium", "bigTcp"),
                    $"cluster.cilium.bigTcp: variant {old.Name} runs kernel {(old.Kernel ?? s.Cluster.Kernel).Name}, and IPv4 BIG TCP needs Linux 6.3 or newer; Cilium's agent then warns (\"Cannot enable --enable-ipv4-big-tcp, needs kernel 6.3 or newer\") and runs without it, and so does this run");
            }
        }

        // Cilium's service maps are one for every node here: its per-node choice and its affinity map (it honours these fields) are not modelled.
        if (s.Cluster.Cilium.KubeProxyReplacement && variants.FirstOrDefault(v => v.Cni.Family == "cilium") is { } socketLb
            && s.Objects.Services.FirstOrDefault(m => m.InternalTrafficPolicy == Kubernetes.Services.InternalTrafficPolicy.Local || m.TrafficDistribution != Kubernetes.Services.TrafficDistribution.Default || m.SessionAffinityTimeout is not null) is { } zonal)
        {
            d.Error(At(root, "cluster", "cilium") ?? At(root, "cluster"),
                $"cluster.cilium.kubeProxyReplacement: Service {zonal.Namespace}/{zonal.Name} ({zonal.At.File}:{zonal.At.Line}) routes by the client's node, zone or address (internalTrafficPolicy Local, a trafficDistribution or sessionAffinity ClientIP), which Cilium's load balancer on {socketLb.Cni.Name} (variant {socketLb.Name}) is not modelled to do; drop kubeProxyReplacement, or the field");
        }

        WeaveSleeve(s, variants, root, d);

        if (s.Cluster.Fabric == Kubernetes.Cluster.ClusterFabric.Kind && s.Cluster.Racks > 1 && !racksRefused && !d.IsRefused("cluster.fabric"))
        {
            d.Error(At(root, "cluster", "racks"), $"cluster.racks: a kind cluster's nodes are containers on one Docker network, one rack; {s.Cluster.Racks} asked for with fabric: kind");
        }

        if (s.Cluster.Racks > s.Cluster.Nodes && !racksRefused && !d.IsRefused("cluster.nodes"))
        {
            d.Error(At(root, "cluster", "racks"), $"cluster.racks: {s.Cluster.Racks} racks for {s.Cluster.Nodes} nodes leaves racks empty; allowed: 1 to {s.Cluster.Nodes}");
        }

        foreach (var cni in ScenarioPlacement.UsesScheduler(s) || d.IsRefused(PodCapacityKeys) ? [] : variants.Select(v => v.Cni).Distinct())
        {
            var perNode = new int[s.Cluster.Nodes + 1];
            foreach (var node in ClusterLayout.MeasuredPodNodes)
            {
                perNode[node]++;
            }

            long cursor = 0;
            foreach (var dep in s.Deployments)
            {
                // Pod j (of replicas x count) goes to nodes[(start + j) mod the list's length], as ClusterBuild places
                // it (deployments without a node list going on where the one before stopped): counted, not walked.
                var nodes = dep.Nodes.Count > 0 ? dep.Nodes : Enumerable.Range(1, s.Cluster.Nodes).ToList();
                long start = dep.Nodes.Count > 0 ? 0 : cursor;
                for (int k = 0; k < nodes.Count; k++)
                {
                    long offset = ((k - start) % nodes.Count + nodes.Count) % nodes.Count; // pods j with (start + j) mod n = k: j = offset, offset + n, ...
                    long share = dep.Pods / nodes.Count + (offset < dep.Pods % nodes.Count ? 1 : 0);
                    if (nodes[k] <= s.Cluster.Nodes)
                    {
                        perNode[nodes[k]] = (int)Math.Min(int.MaxValue, perNode[nodes[k]] + share);
                    }
                }

                cursor = dep.Nodes.Count > 0 ? cursor : (cursor + dep.Pods) % s.Cluster.Nodes;
            }

            // The kubelet's pod capacity, min(10 x cores, max-pods 110) (issue 12's rule: --pods-per-core=10), or
            // the plugin's IPAM if it addresses fewer (flannel's /24 holds 253, Calico claims further blocks: neither does).
            int kubelet = s.Cluster.PodsPerNode;
            int max = Math.Min(kubelet, cni.PodsPerNode(s.Cluster.NodeCidrMaskSize));
            if (perNode.Max() > max)
            {
                string bound = max == kubelet
                    ? $"the kubelet runs at most {max} (min({s.Cluster.PodsPerCore} x {s.Cluster.CoresPerNode} cores, maxPods {s.Cluster.MaxPods}))"
                    : $"{cni} addresses at most {max} per node{RangeNote(cni, s.Cluster.NodeCidrMaskSize)}";
                // At what bounds it: the node mask when the plugin's range is the limit, the pods asked for when the kubelet's is.
                int node = Array.IndexOf(perNode, perNode.Max());
                if (max == kubelet)
                {
                    d.Error(At(root, "deployments") ?? At(root, "cluster", "maxPods") ?? At(root, "cluster", "podsPerCore") ?? At(root, "cluster"),
                        $"deployments: node {node} gets {perNode.Max()} pods (the measured pods included); {bound}");
                }
                else
                {
                    d.Error(MaskAt(root), RangeTooSmall(root, cni, s.Cluster.NodeCidrMaskSize, node, perNode.Max()));
                }
            }
        }

        if (s.Baseline is { } b && variants.All(v => v.Name != b) && !d.IsRefused(VariantKeys))
        {
            d.Error(At(root, "baseline"), $"baseline: {Printable.Quote(b)} is not a variant{Diagnostics.Suggest(b, variants.Select(v => v.Name))}; the variants are: {string.Join(", ", variants.Select(v => v.Name))}");
        }
    }

    private static void Costs(Scenario s, YamlNode root, Diagnostics d, bool allowOutside)
    {
        if (s.CostFile is not { } file)
        {
            return;
        }

        if (file.Contains('\0', StringComparison.Ordinal))
        {
            d.Error(At(root, "costFile"), "costFile: the path contains a NUL character; give a file name");
            return;
        }

        string path = s.ResolvePath(file);
        if (!allowOutside && Confinement.Outside(path, s.ResolvePath(".")) is { } where)
        {
            string really = where == Path.GetFullPath(file) ? "" : $" is {Printable.Quote(where)},";
            d.Error(At(root, "costFile"), $"costFile: {Printable.Quote(file)}{really} is outside the scenario's folder; move it beside the scenario, or pass --allow-outside");
            return;
        }

        try
        {
            CostTable.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            d.Error(At(root, "costFile"), $"costFile: cannot read {Printable.Quote(file)}: {e.Message}");
        }
        catch (CostTableFormatException e)
        {
            d.Error(At(root, "costFile"), $"costFile: {Printable.Quote(file)} is not a valid cost table: {string.Join("; ", e.Problems.Take(5))}");
        }
    }

    private static bool Selects(Scenario s, IReadOnlyDictionary<string, string> selector) =>
        s.Deployments.Any(x => x.Replicas > 0 && Matches(x.Labels, selector)) || Matches(ClusterLayout.ServerLabels, selector);

    private static bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> selector) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static void Unique(IEnumerable<string> names, IReadOnlyList<string> reserved, YamlNode root, string key, Diagnostics d, string what)
    {
        var seen = new HashSet<string>();
        int i = 0;
        foreach (var name in names)
        {
            if (reserved.Contains(name))
            {
                d.Error(At(root, key, i, "name"), $"{key}[{i}].name: {Printable.Quote(name)} is taken by the measured pods and Services ({string.Join(", ", reserved)}); choose another");
            }
            else if (!seen.Add(name))
            {
                d.Error(At(root, key, i, "name") ?? At(root, key), $"{key}[{i}].name: {Printable.Quote(name)} is already {what}; names must be unique");
            }

            i++;
        }
    }

    /// <summary>Names stamped out by count (name-0, name-1, ...) must not meet another entry's name.</summary>
    private static void Stamped(IEnumerable<(string Name, int Count)> entries, YamlNode root, string key, Diagnostics d)
    {
        var list = entries.ToList();
        var owner = new Dictionary<string, int>();
        for (int i = 0; i < list.Count; i++)
        {
            var names = list[i].Count > 1 ? Enumerable.Range(0, list[i].Count).Select(k => $"{list[i].Name}-{k}") : [list[i].Name];
            foreach (var name in names)
            {
                if (owner.TryGetValue(name, out int first) && first != i)
                {
                    d.Error(At(root, key, i, "name") ?? At(root, key, i), $"{key}[{i}]: the name {Printable.Quote(name)} is also made by {key}[{first}] (count stamps out name-0, name-1, ...); names must be unique");
                    break;
                }

                owner.TryAdd(name, i);
            }
        }
    }

    private static string Show(IReadOnlyDictionary<string, string> labels) => "{" + string.Join(", ", labels.Select(kv => $"{kv.Key}: {kv.Value}")) + "}";

    /// <summary>
    /// Weave on nodes too small for fastdp's heartbeat (<see cref="Kubernetes.Cni.WeaveNet.FastdpNodeMtu"/>): every
    /// connection falls back to sleeve, the weaver's user-space encapsulation on UDP 6783, as Weave does ("timed out
    /// waiting for vxlan heartbeat", router/fastdp.go), and runs so; a warning at the MTU that decides it says so,
    /// and what sleeve then carries (the nodes' MTU less its 62 bytes) when that is less than the pods' MTU.
    /// </summary>
    private static void WeaveSleeve(Scenario s, IReadOnlyList<Variant> variants, YamlNode root, Diagnostics d)
    {
        if (d.IsRefused([.. VariantKeys, "cluster.mtu", "cluster.podMtu", "compare.podMtu"]))
        {
            return;
        }

        foreach (var v in variants.Where(v => v.Cni == Kubernetes.Cni.WeaveNet.SleeveDescriptor))
        {
            var setting = v.PodMtu ?? s.Cluster.PodMtu;
            int podMtu = setting.Bytes ?? v.Cni.PodMtu(s.Cluster.Mtu);
            int carried = Network.Devices.SleeveOverlay.MtuFor(s.Cluster.Mtu);
            if (podMtu > carried)
            {
                string where = v.PodMtu is not null ? "compare.podMtu" : setting.Bytes is not null ? "cluster.podMtu" : "cluster.mtu";
                var node = v.PodMtu is not null ? At(root, "compare", "podMtu") : setting.Bytes is not null ? At(root, "cluster", "podMtu") : At(root, "cluster", "mtu");
                d.Warning(node ?? At(root, "cluster"),
                    $"{where}: weave-sleeve{(v.Name != v.Cni.Name ? $" (variant {v.Name})" : "")} gives pods an MTU of {podMtu}, and sleeve carries packets of at most {carried} bytes on nodes of {s.Cluster.Mtu} (less its {Network.Packets.HeaderSizes.SleeveOverhead} bytes): the weaver answers larger DF packets with fragmentation needed and TCP shrinks its segments, as Weave does; for full-size frames: a pod MTU of at most {carried} (podMtu), or nodes of at least {podMtu + Network.Packets.HeaderSizes.SleeveOverhead} (mtu)");
                break;
            }
        }

        foreach (var v in variants.Where(v => v.Cni == Kubernetes.Cni.WeaveNet.Descriptor))
        {
            var setting = v.PodMtu ?? s.Cluster.PodMtu;
            int podMtu = setting.Bytes ?? v.Cni.PodMtu(s.Cluster.Mtu);
            int needs = Kubernetes.Cni.WeaveNet.FastdpNodeMtu(podMtu);
            if (needs <= s.Cluster.Mtu)
            {
                continue;
            }

            string where = v.PodMtu is not null ? "compare.podMtu" : setting.Bytes is not null ? "cluster.podMtu" : "cluster.mtu";
            var node = v.PodMtu is not null ? At(root, "compare", "podMtu") : setting.Bytes is not null ? At(root, "cluster", "podMtu") : At(root, "cluster", "mtu");
            string variant = v.Name != v.Cni.Name ? $" (variant {v.Name})" : "";
            int sleeveMtu = Network.Devices.SleeveOverlay.MtuFor(s.Cluster.Mtu);
            string carries = sleeveMtu < podMtu
                ? $"; sleeve carries packets of at most {sleeveMtu} bytes there ({s.Cluster.Mtu} less its {Network.Packets.HeaderSizes.SleeveOverhead}), so the weaver answers larger DF packets with fragmentation needed and TCP shrinks its segments"
                : "";
            d.Warning(node ?? At(root, "cluster"),
                $"{where}: weave{variant} gives pods an MTU of {podMtu}{(setting.Bytes is null ? " (its default)" : "")}, and fastdp's heartbeat, a frame that size sent with DF in VXLAN ({needs} bytes on the wire), does not fit the nodes' MTU of {s.Cluster.Mtu}: every connection falls back to sleeve (the weaver's user-space encapsulation on UDP 6783, capped by the weaver's one core), and this run does so{carries}; for fastdp: a pod MTU of at most {s.Cluster.Mtu - Network.Packets.HeaderSizes.VxlanOverhead} (podMtu), or nodes of at least {needs} (mtu)");
            return; // one warning: the same fix serves every variant
        }
    }

    /// <summary>The names a spec with <paramref name="count"/> builds: the name itself, or name-0 to name-(count - 1).</summary>
    private static IEnumerable<string> Stamped(string name, int count) => count > 1 ? Enumerable.Range(0, count).Select(c => $"{name}-{c}") : [name];

    /// <summary>An "allowed:" list: at most 20 names, then "..."; <paramref name="none"/> when there are none.</summary>
    private static string ListedNames(IReadOnlyCollection<string> names, string none) =>
        names.Count > 0 ? string.Join(", ", names.Take(20)) + (names.Count > 20 ? ", ..." : "") : none;

    /// <summary>The node at a path of keys and indices, or null when the file does not have it.</summary>
    internal static YamlNode? At(YamlNode root, params object[] path)
    {
        YamlNode? node = root;
        foreach (var step in path)
        {
            node = (node, step) switch
            {
                (YamlMappingNode m, string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null,
                (YamlSequenceNode q, int i) => i < q.Children.Count ? q.Children[i] : null,
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }
}
