using System.Globalization;
using NetPerf.Network.Packets;
using NetPerf.Scenarios.Manifests;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;
using YamlDotNet.RepresentationModel;

namespace NetPerf.Scenarios.Loading;

/// <summary>
/// Resolves each workload's <c>from</c>/<c>to</c> against the manifests' mapped objects, once they are placed:
/// which pod is the client, which pods serve, what the client dials, and which communication path that is. A name
/// that matches no object is refused at its line with the closest one.
/// </summary>
internal static class RouteResolver
{
    /// <summary>The kinds whose pods a workload may name as client or server.</summary>
    public static readonly IReadOnlyList<string> PodKinds = ["pod", "deployment", "statefulset", "daemonset", "replicaset"];

    private const string Forms = "service/NAME[:PORT], a DNS name (NAME, NAME.NAMESPACE, NAME.NAMESPACE.svc.cluster.local)[:PORT], pod/NAME[:PORT], deployment/NAME[:PORT] (or statefulset, daemonset, replicaset; KIND/NAMESPACE/NAME where a name is in several namespaces), node/N[:PORT]";

    private readonly record struct End(string Pod, string Namespace, int Node);

    public static Scenario Resolve(Scenario s, YamlNode root, Diagnostics d)
    {
        var workloads = s.Workloads.ToList();
        for (int i = 0; i < workloads.Count; i++)
        {
            if (workloads[i].Route is { } route)
            {
                workloads[i] = Resolve(s, workloads[i], route, i, root, d) ?? workloads[i];
            }
        }

        return s with { Workloads = workloads };
    }

    private static WorkloadSpec? Resolve(Scenario s, WorkloadSpec w, WorkloadRoute r, int i, YamlNode root, Diagnostics d)
    {
        var objects = s.Objects;
        YamlNode? At(string key) => ScenarioChecks.At(root, "workloads", i, key) ?? ScenarioChecks.At(root, "workloads", i);
        string where = $"workloads[{i}]";
        var protocol = w.Protocol;
        string proto = protocol.ToString().ToUpperInvariant();

        // The client: NetPerf's own client pod when from is not given.
        List<End> clients = [];
        int? clientNode = null;
        bool outside = false;
        switch (r.From)
        {
            case "":
                clients.Add(new End(ClusterLayout.Client, "default", 1));
                break;
            case "external":
                outside = true;
                break;
            default:
                if (Node(r.From, s.Cluster.Nodes, out int n, out _) is { } bad)
                {
                    d.Error(At("from"), $"{where}.from: {bad}");
                    return null;
                }

                if (n > 0)
                {
                    clientNode = n;
                    break;
                }

                if (Pods(objects, r.From, out string? why) is not { } pods)
                {
                    d.Error(At("from"), $"{where}.from: {why}");
                    return null;
                }

                clients.AddRange(pods.Select(p => new End(p.ClusterName, p.Namespace, p.Node)));
                break;
        }

        // The server.
        var (target, portText) = SplitPort(r.To);
        List<End> servers = [];
        int? serverNode = null;
        string? dialName = null;
        ushort dialPort = 0, listenPort = 0;
        bool viaNodePort = false, headless = false;
        ManifestService? svc = null;
        ManifestPod? named = null;
        bool serverOutside = false;
        if (target == "external")
        {
            if (outside)
            {
                d.Error(At("to"), $"{where}.to: from and to are both external, so no part of the cluster is on the path; one end is a pod, a workload or node/N");
                return null;
            }

            if (r.Placement is not null)
            {
                d.Error(At("placement"), $"{where}.placement: relates the client's node to the server's; the external server is on none");
                return null;
            }

            if (s.Variants().Select(v => v.Cni).FirstOrDefault(k => k.Masquerade is null) is { } unmasked)
            {
                d.Error(At("to"), $"{where}.to: a pod reaches an external server through its plugin's masquerade to the node's address, which NetPerf does not build for {unmasked.Name}; compare plugins that have one: {string.Join(", ", Kubernetes.Cni.CniPlugins.All.Where(k => k.Masquerade is not null).Select(k => k.Name))}");
                return null;
            }

            listenPort = dialPort = portText is null ? ClusterLayout.ServerPort
                : ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var ep) && ep > 0 ? ep : (ushort)0;
            if (listenPort == 0)
            {
                d.Error(At("to"), $"{where}.to: port {Printable.Quote(portText!)}: give a number from 1 to 65535");
                return null;
            }

            serverOutside = true;
        }
        else if (target.StartsWith("service/", StringComparison.Ordinal))
        {
            svc = ServiceByRef(objects, target, out string? why);
            if (svc is null)
            {
                d.Error(At("to"), $"{where}.to: {why}");
                return null;
            }
        }
        else if (target != "external" && ClusterDnsNames.IsName(target))
        {
            // A DNS name, looked up as the client's resolver will look it up when the run starts: through its
            // namespace's search list (an outside client has none: the name as written).
            string ns = clients.Count > 0 ? clients[0].Namespace : "default";
            var conf = outside ? null : new Kubernetes.Dns.ResolvConf(ns);
            var lookup = new ClusterDnsNames(s).Resolve(target, conf);
            if (lookup.Answer is not { } answer)
            {
                d.Error(At("to"), $"{where}.to: {NotFound(s, target, r.From, ns, conf, lookup)}");
                return null;
            }

            if (answer.Own is { } own)
            {
                d.Error(At("to"), $"{where}.to: {Printable.Quote(target)} from namespace {ns} resolves to {lookup.Answered}, {own}, which no manifest workload serves; name a manifest Service (its Services: {Some(ClusterDnsNames.ServiceNames(s))})");
                return null;
            }

            svc = answer.Pod is null ? answer.Service : null;
            named = answer.Pod;
            dialName = target; // as written: a trailing dot (absolute) or the search list decides how many queries it costs
        }

        if (serverOutside)
        {
            // The remote host serves on the port given; nothing else to look up.
        }
        else if (svc is not null)
        {
            var ports = svc.Ports.Where(p => p.Protocol == protocol).ToList();
            var port = portText is null
                ? ports.Count == 1 ? ports[0] : null
                : ports.FirstOrDefault(p => p.Port.ToString(CultureInfo.InvariantCulture) == portText || p.Name == portText);
            if (port is null)
            {
                string listed = svc.Ports.Count == 0 ? "none" : string.Join(", ", svc.Ports.Select(p => $"{p.Port}/{p.Protocol.ToString().ToUpperInvariant()}{(p.Name is { } nm ? $" ({nm})" : "")}"));
                // No port of the test's protocol at all is not cured by naming one: say so, and what would be.
                d.Error(At("to"), portText is not null
                    ? $"{where}.to: service/{svc.Name} has no {proto} port {portText} for {w.Test}; its ports: {listed}"
                    : ports.Count == 0
                        ? $"{where}.to: service/{svc.Name} has no {proto} port, so {w.Test} cannot reach it; its ports: {listed} (give the Service a protocol: {proto} port, or run a test of its protocol)"
                        : $"{where}.to: service/{svc.Name} has {ports.Count} {proto} ports, so {w.Test} needs one named: {r.To}:PORT; its ports: {listed}");
                return null;
            }

            var endpoints = svc.Selector.Count > 0 ? objects.Selected(svc.Selector).Select(p => p.ClusterName).ToList() : [.. svc.ManualEndpoints];
            if (endpoints.Count == 0)
            {
                d.Error(At("to"), $"{where}.to: service/{svc.Name} has no endpoints (its selector picks no pod of the manifests), so nothing would answer");
                return null;
            }

            servers.AddRange(endpoints.Select(name => objects.Pods.First(p => p.ClusterName == name)).Select(p => new End(p.ClusterName, p.Namespace, p.Node)));
            headless = svc.Type == ManifestServiceType.Headless;
            listenPort = port.TargetPort;
            if (outside)
            {
                if (port.NodePort is not { } nodePort)
                {
                    d.Error(At("to"), $"{where}.to: an external client reaches a Service only at a node's address, through a NodePort, and service/{svc.Name} is {svc.Type} (its addresses are reachable inside the cluster only); make it type NodePort or LoadBalancer");
                    return null;
                }

                viaNodePort = true;
                dialPort = nodePort;
            }
            else
            {
                dialName ??= svc.Fqdn;
                dialPort = headless ? port.TargetPort : port.Port;
            }
        }
        else if (outside)
        {
            d.Error(At("to"), $"{where}.to: an external client reaches the cluster only at its nodes' addresses (nothing beyond the edge routes the pod network or hostNetwork ports to it); name a NodePort or LoadBalancer Service: service/NAME[:PORT]");
            return null;
        }
        else if (named is not null || PodKinds.Any(k => target.StartsWith(k + "/", StringComparison.Ordinal)))
        {
            string? why = null;
            var pods = named is not null ? [named] : Pods(objects, target, out why);
            if (pods is null)
            {
                d.Error(At("to"), $"{where}.to: {why}");
                return null;
            }

            if (portText is not null)
            {
                if (!ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out listenPort) || listenPort == 0)
                {
                    d.Error(At("to"), $"{where}.to: port {Printable.Quote(portText)}: give a number from 1 to 65535");
                    return null;
                }
            }
            else if (pods[0].Ports.FirstOrDefault(p => p.Protocol == protocol) is { Port: > 0 } first)
            {
                listenPort = first.Port;
            }
            else
            {
                d.Error(At("to"), $"{where}.to: {pods[0].Owner}'s containers declare no {proto} port for {w.Test}; give one: {r.To}:PORT");
                return null;
            }

            servers.AddRange(pods.Select(p => new End(p.ClusterName, p.Namespace, p.Node)));
            dialPort = listenPort;
        }
        else if (Node(target, s.Cluster.Nodes, out int n, out ushort? _) is { } bad)
        {
            d.Error(At("to"), $"{where}.to: {bad}");
            return null;
        }
        else if (n > 0)
        {
            serverNode = n;
            listenPort = dialPort = portText is null ? ClusterLayout.ServerPort
                : ushort.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : (ushort)0;
            if (listenPort == 0)
            {
                d.Error(At("to"), $"{where}.to: port {Printable.Quote(portText!)}: give a number from 1 to 65535");
                return null;
            }
        }
        else
        {
            var ids = objects.Services.Select(x => $"service/{x.Name}").Concat(objects.Pods.Select(p => p.Owner)).Distinct().ToList();
            d.Error(At("to"), $"{where}.to: {Printable.Quote(r.To)} names no object{DidYouMean.Suggest(target, ids)}; give one of {Forms}, external[:PORT]");
            return null;
        }

        // Where the client sits relative to the server: the first client (and server) that satisfies the placement.
        End? client = null;
        int chosen = 0;
        int dialNode = 1;
        string? ZoneOf(int node) => Zone(s, node);
        if (r.Placement is RoutePlacement.SameZone or RoutePlacement.OtherZone)
        {
            string word = Choices.PlacementName(r.Placement.Value);
            if (outside)
            {
                d.Error(At("placement"), $"{where}.placement {word}: relates the client's zone to the server's, and an external client is in none; use local or across (the node dialled holds an endpoint or not)");
                return null;
            }

            if (Enumerable.Range(1, s.Cluster.Nodes).All(n => ZoneOf(n) is null))
            {
                d.Error(At("placement"), $"{where}.placement {word}: the cluster's nodes have no {Kubernetes.Scheduling.SchedulingNode.ZoneLabel} label; give cluster.zones (node N in zone-((N-1) mod zones + 1)), or label the Nodes in the manifests");
                return null;
            }
        }

        if (outside)
        {
            if (DialNode(svc!, servers, r.Placement, s.Cluster.Nodes, out chosen, out string? refused) is not { } dn)
            {
                d.Error(At(r.Placement is null ? "to" : "placement"), $"{where}.{(r.Placement is null ? "to" : "placement")}: {refused}");
                return null;
            }

            dialNode = dn;
        }
        int ClientNodeOf(End c) => c.Node;
        if (clientNode is { } cn)
        {
            clients.Add(new End("", "default", cn));
        }

        if (serverNode is { } sn)
        {
            servers.Add(new End("", "default", sn));
        }

        if (serverOutside)
        {
            client = clients.FirstOrDefault();
        }
        else if (!outside)
        {
            for (int si = 0; si < (headless ? 1 : servers.Count) && client is null; si++)
            {
                foreach (var c in clients)
                {
                    if (c.Pod.Length > 0 && c.Pod == servers[si].Pod)
                    {
                        continue; // a pod is not its own client
                    }

                    if (Fits(r.Placement, ClientNodeOf(c), servers[si].Node, ZoneOf))
                    {
                        client = c;
                        chosen = si;
                        break;
                    }
                }
            }

            if (client is null)
            {
                bool zoned = r.Placement is RoutePlacement.SameZone or RoutePlacement.OtherZone;
                string onNodes(IEnumerable<End> e) => string.Join(", ", e.Select(x => zoned ? $"node{x.Node} in {ZoneOf(x.Node) ?? "no zone"}" : $"node{x.Node}").Distinct());
                string relation = r.Placement switch
                {
                    RoutePlacement.Local => "on the node of",
                    RoutePlacement.SameZone => "on another node of the zone of",
                    RoutePlacement.OtherZone => "in another zone than",
                    _ => "on another node than",
                };
                d.Error(r.Placement is null ? At("from") : At("placement"), r.Placement is not { } placed
                    ? $"{where}.from: {r.From} has no pod other than the server's to be the client"
                    : $"{where}.placement {Choices.PlacementName(placed)}: no client of {(r.From.Length == 0 ? "NetPerf's client pod" : r.From)} (on {onNodes(clients)}) is {relation} a server of {r.To} (on {onNodes(servers)})");
                return null;
            }
        }

        // The chosen server first: the placement relates the client to it; the others are a Service's further endpoints.
        var ordered = servers.Skip(chosen).Take(1).Concat(servers.Where((_, k) => k != chosen)).ToList();
        bool sameNode = client is { } cl && ordered.Count > 0 && cl.Node == ordered[0].Node;
        var path = (clientNode, serverNode, svc) switch
        {
            _ when serverOutside => CommunicationPath.Egress,
            ({ }, { }, _) => sameNode ? CommunicationPath.NodeLocal : CommunicationPath.NodeToNode,
            _ when viaNodePort => CommunicationPath.NodePort,
            (_, _, { }) => headless ? CommunicationPath.Headless : CommunicationPath.ClusterIp,
            _ => sameNode ? CommunicationPath.PodSameNode : CommunicationPath.PodCrossNode,
        };
        var resolved = r with
        {
            ClientPod = client is { Pod.Length: > 0 } c2 ? c2.Pod : null,
            ClientNamespace = client?.Namespace ?? "default",
            ClientNode = clientNode,
            ClientOutside = outside,
            ServerOutside = serverOutside,
            DialNode = dialNode,
            ServerPods = serverNode is null ? [.. ordered.Select(e => e.Pod)] : [],
            ServerNode = serverNode,
            DialName = dialName,
            DialPort = dialPort,
            ListenPort = listenPort,
            ViaNodePort = viaNodePort,
            Service = svc is null ? null : ExternalPolicyTarget.Key(svc),
        };
        return w with { Route = resolved, Paths = [path] };
    }

    /// <summary>
    /// The node an external client dials (the first by number that suits): with placement local one holding an
    /// endpoint, with across one holding none; left out, node 1, or with externalTrafficPolicy Local the first with
    /// an endpoint, as a load balancer's health checks (the Service's healthCheckNodePort) keep traffic to those.
    /// <paramref name="chosen"/> is the server on it, if any. Null, with why, where no node suits.
    /// </summary>
    private static int? DialNode(ManifestService svc, List<End> servers, RoutePlacement? placement, int nodes, out int chosen, out string? why)
    {
        chosen = 0;
        why = null;
        bool local = svc.ExternalTrafficPolicy == Kubernetes.Services.ExternalTrafficPolicy.Local;
        var withEndpoint = servers.Select(e => e.Node).Distinct().Order().ToList();
        if (placement == RoutePlacement.Across && local)
        {
            why = $"across: service/{svc.Name} has externalTrafficPolicy Local, so a node without an endpoint of it drops NodePort traffic (kube-proxy's \"has no local endpoints\" rule) and nothing would answer; use placement local (or leave it out), or externalTrafficPolicy Cluster";
            return null;
        }

        int? node = placement switch
        {
            RoutePlacement.Across => Enumerable.Range(1, nodes).Where(n => !withEndpoint.Contains(n)).Cast<int?>().FirstOrDefault(),
            RoutePlacement.Local => withEndpoint[0],
            _ => local ? withEndpoint[0] : 1,
        };
        if (node is not { } n)
        {
            why = $"across: every node holds an endpoint of service/{svc.Name} (on {string.Join(", ", withEndpoint.Select(x => $"node{x}"))}), so no node forwards its NodePort to another";
            return null;
        }

        chosen = Math.Max(0, servers.FindIndex(e => e.Node == n));
        return n;
    }

    /// <summary>Whether a client on <paramref name="client"/> stands where <paramref name="placement"/> asks relative to a server on <paramref name="server"/> (no placement: anywhere).</summary>
    private static bool Fits(RoutePlacement? placement, int client, int server, Func<int, string?> zone) => placement switch
    {
        null => true,
        RoutePlacement.Local => client == server,
        RoutePlacement.Across => client != server,
        RoutePlacement.SameZone => client != server && zone(client) is { } z && z == zone(server),
        RoutePlacement.OtherZone => zone(client) is { } z && zone(server) is { } y && z != y,
        _ => throw new ArgumentOutOfRangeException(nameof(placement)),
    };

    /// <summary>A node's topology.kubernetes.io/zone as the cluster is built with it (<see cref="ClusterBuild"/>): a Node manifest's label, else cluster.zones'; null without one.</summary>
    private static string? Zone(Scenario s, int node) =>
        s.Objects.Nodes.FirstOrDefault(n => n.Number == node)?.Labels.GetValueOrDefault(Kubernetes.Scheduling.SchedulingNode.ZoneLabel)
        ?? (s.Cluster.Zones > 0 ? $"zone-{((node - 1) % s.Cluster.Zones) + 1}" : null);

    /// <summary>node/N: N in the cluster, or an error; n = 0 when the text is not node/...</summary>
    private static string? Node(string text, int nodes, out int n, out ushort? port)
    {
        n = 0;
        port = null;
        if (!text.StartsWith("node/", StringComparison.Ordinal))
        {
            return null;
        }

        var (target, _) = SplitPort(text);
        if (!int.TryParse(target["node/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out n) || n < 1 || n > nodes)
        {
            n = 0;
            return $"{Printable.Quote(text)}: the cluster's nodes are node/1 to node/{nodes} (a hostNetwork pod on that node)";
        }

        return null;
    }

    /// <summary>The pods of kind/name or kind/namespace/name, or why not.</summary>
    private static IReadOnlyList<ManifestPod>? Pods(ManifestCluster objects, string text, out string? why)
    {
        var (target, _) = SplitPort(text);
        var parts = target.Split('/');
        why = null;
        if (parts.Length is 2 or 3 && PodKinds.Contains(parts[0]))
        {
            string owner = $"{parts[0]}/{parts[^1]}";
            // pod/NAME is a pod by its own name, whichever workload made it (pod/db-0, a StatefulSet's).
            var pods = objects.Pods.Where(p => (parts[0] == "pod" ? p.Name == parts[^1] : p.Owner == owner) && (parts.Length == 2 || p.Namespace == parts[1])).ToList();
            var namespaces = pods.Select(p => p.Namespace).Distinct().ToList();
            if (namespaces.Count == 1)
            {
                return pods;
            }

            if (namespaces.Count > 1)
            {
                why = $"{Printable.Quote(text)} is in several namespaces ({string.Join(", ", namespaces)}); name one: {parts[0]}/NAMESPACE/{parts[^1]}";
                return null;
            }
        }

        var ids = objects.Pods.Select(p => p.Owner).Concat(objects.Pods.Select(p => $"pod/{p.Name}")).Distinct().ToList();
        why = $"{Printable.Quote(text)} names no pod or workload of the manifests{DidYouMean.Suggest(target, ids)}; they are: {Some(ids)}";
        return null;
    }

    /// <summary>Why a DNS name reaches nothing: every name the resolver tries, each NXDOMAIN (or answered without a record), and the Services there are.</summary>
    private static string NotFound(Scenario s, string target, string from, string ns, Kubernetes.Dns.ResolvConf? conf, ClusterDnsNames.Lookup lookup)
    {
        string who = conf is null
            ? "an external client has no pod's resolv.conf search list and tries the name as written,"
            : $"{(from.Length == 0 ? "NetPerf's client pod" : from)}'s resolver (namespace {ns}: search {string.Join(" ", conf.Search)}, ndots:{conf.Ndots}) tries";
        string tried = string.Join(", ", lookup.Tried.Select(t => lookup.Empty.Contains(t) ? $"{t} (NOERROR, no records: a headless Service with no endpoints)" : t));
        var services = ClusterDnsNames.ServiceNames(s);
        string nearest = DidYouMean.Suggest(lookup.Tried[0], services);
        return $"CoreDNS answers no name for {Printable.Quote(target)}: {who} {tried}{(lookup.Empty.Count > 0 ? ", NXDOMAIN for the others" : ", NXDOMAIN for each")}{nearest}; the manifests' Services: {Some(services)}";
    }

    private static ManifestService? ServiceByRef(ManifestCluster objects, string target, out string? why)
    {
        var parts = target.Split('/');
        why = null;
        var found = objects.Services.Where(x => x.Name == parts[^1] && (parts.Length == 2 || x.Namespace == parts[1])).ToList();
        if (parts.Length is 2 or 3 && found.Count == 1)
        {
            return found[0];
        }

        var ids = objects.Services.Select(x => $"service/{x.Name}").Distinct().ToList();
        why = found.Count > 1
            ? $"{Printable.Quote(target)} is in several namespaces ({string.Join(", ", found.Select(x => x.Namespace))}); name one: service/NAMESPACE/{parts[^1]}"
            : $"{Printable.Quote(target)} names no Service of the manifests{DidYouMean.Suggest(target, ids)}; they are: {Some(ids)}";
        return null;
    }

    /// <summary>The text and its :PORT suffix (a number or a port name), if any.</summary>
    private static (string Target, string? Port) SplitPort(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon > 0 && colon < text.Length - 1 ? (text[..colon], text[(colon + 1)..]) : (text, null);
    }

    private static string Some(IReadOnlyList<string> names) =>
        names.Count == 0 ? "none" : string.Join(", ", names.Take(12)) + (names.Count > 12 ? $", ... ({names.Count} in all)" : "");
}
