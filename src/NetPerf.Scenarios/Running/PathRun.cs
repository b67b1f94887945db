using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Dns;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Scenarios.Model;
using NetPerf.Workloads;
using NetPerf.Workloads.Udp;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// Runs one workload over one path of a built cluster: where the client and server are and which address the
/// client uses follow from the path (<see cref="ClusterLayout"/>); paths by name first resolve it through
/// CoreDNS with the pod's resolv.conf, as getaddrinfo() would.
/// </summary>
public static class PathRun
{
    /// <summary>How long the load balancer may take to come up before the run gives up.</summary>
    private static readonly SimTime LookupLimit = SimTime.FromSeconds(5);

    /// <summary>How long a name lookup may take before the run gives up: glibc's two tries of 5 s for each of a name's four candidates, and its fallbacks.</summary>
    private static readonly SimTime ResolveLimit = SimTime.FromSeconds(60);

    public const int FlowId = 1;

    public static UnitResult Run(ClusterBuild build, RunUnit unit, SimTime warmUp, SimTime duration, bool keepSamples, CancellationToken cancel = default, SimTime? interval = null) =>
        RunTogether(build, [unit], warmUp, duration, keepSamples, cancel, interval)[0]; // one unit is a group of one: its flow is FlowId

    /// <summary>Builds the workload for the unit's path (resolving the Service's name first where the path goes by name), not yet started.</summary>
    /// <param name="flowId">The flow its packets are accounted to: <see cref="FlowId"/> alone, one a workload when several run together.</param>
    public static (IWorkload Workload, DnsLookup? Lookup) Prepare(ClusterBuild build, RunUnit unit, int flowId = FlowId) =>
        Prepare(build, unit, flowId, new ClientCores());

    private static (IWorkload Workload, DnsLookup? Lookup) Prepare(ClusterBuild build, RunUnit unit, int flowId, ClientCores clientCores)
    {
        build.WaitForLoadBalancer(LookupLimit);
        if (unit.Workload.Route is { } route)
        {
            var (routed, found) = RouteEndpoints(build, route);
            return (Create(build, unit, routed, Service(unit.Workload, build, flowId), flowId, clientCores), found);
        }

        if (unit.Workload.Test == NetperfTestKind.DnsLookup)
        {
            return (new DnsLookups(build, unit.Workload.Name, flowId, unit.Workload.Clients), null);
        }

        if (unit.Workload.Service is { } name && unit.Path == CommunicationPath.ClusterIp)
        {
            return Served(build, unit, name, flowId, clientCores);
        }

        var (endpoints, lookup) = Endpoints(build, unit.Path);
        return (Create(build, unit, endpoints, Service(unit.Workload, build, flowId), flowId, clientCores), lookup);
    }

    /// <summary>
    /// Several units at once on one built cluster (a scenario's <c>together</c>): each prepared in turn (its name
    /// resolved first), all started together and measured over one window, each with its own flow, so the
    /// results give each workload's latency and CPU under the load of all of them.
    /// </summary>
    public static IReadOnlyList<UnitResult> RunTogether(ClusterBuild build, IReadOnlyList<RunUnit> units, SimTime warmUp, SimTime duration, bool keepSamples, CancellationToken cancel = default, SimTime? interval = null)
    {
        build.Cluster.Bed.Sim.Cancellation = cancel; // Ctrl-C stops this simulation too (its DNS lookups included), not only the ones not yet started
        var clientCores = new ClientCores(); // each workload's client its own process, on a core of its own where the node has one
        var prepared = units.Select((u, k) => Prepare(build, u, FlowId + k, clientCores)).ToList();
        foreach (var (workload, _) in prepared)
        {
            if (keepSamples)
            {
                workload.Measurement.KeepSamples();
            }

            if (interval is { } every)
            {
                workload.Measurement.KeepSeries(every);
            }
        }

        var sim = build.Cluster.Bed.Sim;
        var names = units.Select(u => u.Workload.Name).ToHashSet();
        var timeline = build.Timeline.Count > 0 ? new TimelineRun(build, build.Timeline, sim.Now + warmUp, names) : null;
        var reports = new WorkloadRunner(sim, build.Hosts).Run([.. prepared.Select(p => p.Workload)], warmUp, duration, [.. units.Select(u => Window(build.Timeline, u.Workload.Name))]);
        return [.. units.Select((u, k) => Result(u, prepared[k].Workload, reports[k], prepared[k].Lookup, sim.ExecutedEvents, timeline))];
    }

    /// <summary>When the timeline starts and stops the workload (validation allows one of each, the stop after the start).</summary>
    private static SendingWindow Window(IReadOnlyList<TimelineEvent> timeline, string workload) => new(
        timeline.FirstOrDefault(e => e.Action == TimelineAction.StartWorkload && e.Target == workload)?.At,
        timeline.FirstOrDefault(e => e.Action == TimelineAction.StopWorkload && e.Target == workload)?.At);

    private static UnitResult Result(RunUnit unit, IWorkload workload, WorkloadReport report, DnsLookup? lookup, long events, TimelineRun? timeline)
    {
        var (request, response) = Sizes(unit);
        return new UnitResult(unit, report, workload.Measurement.Latency, lookup, events)
        {
            RequestBytes = request,
            ResponseBytes = response,
            Samples = workload.Measurement.Samples?.ToList(),
            Series = workload.Measurement.Series,
            BytesDelivered = workload.Measurement.BytesDelivered,
            Timeline = timeline?.Log() ?? [],
            Failures = Enum.GetValues<Transport.Tcp.TcpError>().ToDictionary(e => e, workload.Measurement.Failures),
            // A UDP stream's losses are datagrams, not requests: sent in the window and never received.
            Lost = workload is UdpStream udp ? Math.Max(0, udp.SentMeasured - udp.ReceivedMeasured) : report.Lost,
        };
    }

    /// <summary>A workload whose server runs in a scenario Service's pods, reached through that Service's name.</summary>
    private static (IWorkload, DnsLookup?) Served(ClusterBuild b, RunUnit unit, string name, int flowId, ClientCores clientCores)
    {
        var service = b.ScenarioServiceObjects[name];
        // A Service a timeline adds has no DNS record yet: the model resolves every name before the run, and the
        // workload (validation has it start at or after the addService) would look it up when it starts, when
        // CoreDNS answers with its ClusterIP. So it is given that address, with no lookup of its own.
        var lookup = b.HeldServices.Contains(name) ? null : Resolve(b, name);
        var first = service.Endpoints(b.Cluster)[0];
        int cores = b.Cluster.Options.CoresPerNode;
        var endpoints = new Endpoints(b.Client.Namespace, first.Namespace, lookup?.Addresses[0] ?? service.ClusterIp, service.Port, Math.Min(1, cores - 1), Math.Min(2, cores - 1))
        {
            ServerBindAddress = first.Ip,
            ServerListenPort = service.TargetPort,
        };
        var workload = Create(b, unit, endpoints, Service(unit.Workload, b, flowId), flowId, clientCores);
        if (workload is UdpRequestResponse udp)
        {
            ServedPods.Attach(b, udp, service, first);
        }
        else
        {
            ServedPods.Attach(b, (Workloads.Tcp.TcpRequestResponse)workload, service, first);
        }
        return (workload, lookup);
    }

    public static (int Request, int Response) Sizes(RunUnit unit) =>
        (unit.Variant.MessageBytes ?? unit.Workload.RequestBytes, unit.Variant.MessageBytes ?? unit.Workload.ResponseBytes);

    private static (Endpoints, DnsLookup?) Endpoints(ClusterBuild b, CommunicationPath path)
    {
        int cores = b.Cluster.Options.CoresPerNode;
        int clientCore = Math.Min(1, cores - 1), serverCore = Math.Min(2, cores - 1); // away from core 0, where RSS puts the NIC's first queue
        var remote = b.RemoteServer;
        switch (path)
        {
            case CommunicationPath.Localhost:
                var local = b.LocalServer.Namespace;
                return (new Endpoints(local, local, Ipv4Address.Parse("127.0.0.1"), ClusterLayout.ServerPort, clientCore, serverCore), null);
            case CommunicationPath.PodSameNode:
                return (new Endpoints(b.Client.Namespace, b.LocalServer.Namespace, b.LocalServer.Ip, ClusterLayout.ServerPort, clientCore, serverCore), null);
            case CommunicationPath.PodCrossNode:
                return (new Endpoints(b.Client.Namespace, remote.Namespace, remote.Ip, ClusterLayout.ServerPort, clientCore, serverCore), null);
            case CommunicationPath.ClusterIp:
                var service = Resolve(b, ClusterLayout.Service);
                return (new Endpoints(b.Client.Namespace, remote.Namespace, service.Addresses[0], ClusterLayout.ServicePort, clientCore, serverCore)
                {
                    ServerBindAddress = remote.Ip,
                    ServerListenPort = ClusterLayout.ServerPort,
                }, service);
            case CommunicationPath.Headless:
                var pods = Resolve(b, ClusterLayout.HeadlessService);
                return (new Endpoints(b.Client.Namespace, remote.Namespace, pods.Addresses[0], ClusterLayout.ServerPort, clientCore, serverCore), pods);
            case CommunicationPath.NodePort:
                return (new Endpoints(b.Outside.Root, remote.Namespace, b.Cluster.Node(1).Ip, ClusterLayout.NodePort, clientCore, serverCore)
                {
                    ServerBindAddress = remote.Ip,
                    ServerListenPort = ClusterLayout.ServerPort,
                }, null);
            case CommunicationPath.LoadBalancer when b.LoadBalancer is { } lb:
                return (new Endpoints(lb.Client.Root, remote.Namespace, ClusterBuild.LoadBalancerVip, ClusterLayout.ServicePort, clientCore, serverCore)
                {
                    ServerBindAddress = remote.Ip,
                    ServerListenPort = ClusterLayout.ServerPort,
                }, null);
            case CommunicationPath.NodeToNode:
                var (hostClient, hostServer) = b.HostNetworkPods(serverNode: 2);
                return (new Endpoints(hostClient.Namespace, hostServer.Namespace, hostServer.Ip, ClusterLayout.ServerPort, clientCore, serverCore), null);
            case CommunicationPath.NodeLocal:
                var (sameClient, sameServer) = b.HostNetworkPods(serverNode: 1);
                return (new Endpoints(sameClient.Namespace, sameServer.Namespace, sameServer.Ip, ClusterLayout.ServerPort, clientCore, serverCore), null);
            case CommunicationPath.Egress when b.Remote is { } outside:
                return (new Endpoints(b.Client.Namespace, outside.Root, b.RemoteAddress, ClusterLayout.ServerPort, clientCore, serverCore), null);
            case CommunicationPath.Egress:
                throw new NotSupportedException("the egress path needs the cluster built with its remote host (beyondEdge).");
            default:
                throw new NotSupportedException($"the {path.Name()} path needs the cluster built with its load balancer.");
        }
    }

    /// <summary>
    /// A workload between objects: its client pod (or a hostNetwork pod on a node, or the remote host beyond the
    /// edge), the address it dials (a name resolved through CoreDNS from the client's namespace first, a pod's or
    /// node's address, the dialled node's NodePort, or the remote host's), and a server on every pod behind it (or
    /// on the remote host).
    /// </summary>
    private static (Endpoints, DnsLookup?) RouteEndpoints(ClusterBuild b, WorkloadRoute r)
    {
        int cores = b.Cluster.Options.CoresPerNode;
        int clientCore = Math.Min(1, cores - 1), serverCore = Math.Min(2, cores - 1);
        var remote = r.ReachesOutside ? b.Remote ?? throw new InvalidOperationException($"{r}: the cluster was built without its remote host (beyondEdge).") : null;
        var client = r.ClientOutside ? null : r.ClientNode is { } cn ? b.HostPod("route-client", cn) : b.Cluster.Pod(r.ClientPod!);
        if (r.ServerOutside)
        {
            return (new Endpoints(client!.Namespace, remote!.Root, b.RemoteAddress, r.DialPort, clientCore, serverCore), null);
        }

        List<Kubernetes.Cluster.Pod> servers = r.ServerNode is { } sn ? [b.HostPod("route-server", sn)] : [.. r.ServerPods.Select(b.Cluster.Pod)];
        DnsLookup? lookup = null;
        Ipv4Address address;
        if (r.ViaNodePort)
        {
            address = b.Cluster.Node(r.DialNode).Ip;
        }
        else if (r.DialName is { } name)
        {
            lookup = Resolve(b, client!, r.ClientNamespace, name);
            address = lookup.Addresses[0];
            // A headless name answers with a pod's address: that pod is the one the client reaches first.
            int k = servers.FindIndex(p => p.Ip == address);
            if (k > 0)
            {
                (servers[0], servers[k]) = (servers[k], servers[0]);
            }
        }
        else
        {
            address = servers[0].Ip;
        }

        var server = servers[0];
        return (new Endpoints(client?.Namespace ?? remote!.Root, server.Namespace, address, r.DialPort, clientCore, serverCore)
        {
            ServerBindAddress = server.Ip,
            ServerListenPort = r.ListenPort,
            Replicas = [.. servers.Skip(1).Select(p => new ServerReplica(p.Namespace, p.Ip))],
        }, lookup);
    }

    private static DnsLookup Resolve(ClusterBuild b, string name) => Resolve(b, b.Client, "default", name);

    /// <summary>What getaddrinfo() in <paramref name="client"/> (a pod of namespace <paramref name="ns"/>, its resolv.conf's search list) gets for a name through CoreDNS; throws when no answer comes.</summary>
    internal static DnsLookup Resolve(ClusterBuild b, Kubernetes.Cluster.Pod client, string ns, string name)
    {
        var resolver = new StubResolver(client, new ResolvConf(ns) { Queries = b.Resolver }, b.Dns, b.Nameserver);
        DnsLookup? result = null;
        resolver.Resolve(name, r => result = r);
        var sim = b.Cluster.Bed.Sim;
        var limit = sim.Now + ResolveLimit;
        while (result is null && sim.Now < limit)
        {
            sim.RunUntil(sim.Now + SimTime.FromMicroseconds(100));
        }

        if (result is not { Found: true, Addresses.Count: > 0 })
        {
            // The common real mistake: a default-deny egress policy on the client with no rule for DNS.
            var coreDns = b.Cluster.Pod(ClusterLayout.CoreDns);
            string why = b.Policies is { IsEnforced: true } policies && !policies.AllowsEgress(client, coreDns, IpProtocol.Udp, 53)
                ? $"an egress NetworkPolicy isolates {client.Name} and none of its rules allows UDP 53 to CoreDNS (kube-system, k8s-app=kube-dns), so every DNS query is dropped: add an egress rule to it on port 53"
                : "the cluster's DNS path is broken";
            throw new InvalidOperationException($"DNS lookups fail: the client could not resolve '{name}' through CoreDNS at {b.KubeDnsIp}; {why}.");
        }

        return result;
    }

    /// <summary>The server's work per request; the exponential draws from a stream of its own (one per flow past the first, so workloads run together do not share draws).</summary>
    private static ServiceTime Service(WorkloadSpec w, ClusterBuild b, int flowId) => w.ServiceDistribution == "exponential" && w.ServiceTime > SimTime.Zero
        ? ServiceTime.From(new MathNet.Numerics.Distributions.Exponential(1 / w.ServiceTime.TotalMicroseconds, b.Cluster.Bed.Streams.Create(flowId == FlowId ? "service-time" : $"service-time/{flowId}")))
        : ServiceTime.Fixed(w.ServiceTime);

    private static IWorkload Create(ClusterBuild b, RunUnit unit, Endpoints e, ServiceTime service, int flowId, ClientCores clientCores)
    {
        e = e with { ClientCore = clientCores.Next(e.Client.Host, e.ClientCore) };
        var w = unit.Workload;
        var (request, response) = Sizes(unit);
        return w.Test.Create(new WorkloadRequest(w.Name, e, w.Clients, request, response, service, w.UdpGigabits, flowId)
        {
            Tcp = b.Tcp,
            RequestsPerSecond = w.RequestsPerSecond,
            Arrivals = w.Arrivals,
            Timeout = w.Timeout,
        });
    }
}
