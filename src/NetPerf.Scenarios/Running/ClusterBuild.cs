using NetPerf.Transport.Tcp;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Controllers;
using NetPerf.Kubernetes.Dns;
using NetPerf.Kubernetes.LoadBalancing;
using NetPerf.Kubernetes.Policy;
using NetPerf.Kubernetes.Services;
using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;
using NetPerf.Scenarios.Model;
using ServiceType = NetPerf.Scenarios.Model.ServiceType;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// One variant's cluster, built as the scenario says: nodes and NICs, the CNI plugin, kube-proxy, the measured
/// pods and Services (<see cref="ClusterLayout"/>), CoreDNS behind kube-dns, the scenario's own deployments and
/// Services, and an outside client on the switch.
/// </summary>
public sealed class ClusterBuild
{
    /// <summary>The LoadBalancer's address on the outside network (TEST-NET-3, where the director's client is).</summary>
    public static readonly Ipv4Address LoadBalancerVip = Ipv4Address.Parse("203.0.113.100");

    /// <param name="measured">
    /// The protocol of the measured Services' port: a unit's workload's (a UDP test needs a UDP port, or kube-proxy
    /// has no rule for its datagrams and the Service's address answers nothing). One port, not a TCP and a UDP
    /// port side by side, so a TCP run walks exactly the rules it did before UDP was measured.
    /// </param>
    /// <param name="beyondEdge">
    /// A workload with an end outside the cluster (<see cref="ReachesOutside"/>): the cluster gets its remote host
    /// beyond the edge (<see cref="Remote"/>). The plugin's masquerade of pod traffic leaving the pod network is
    /// built whatever this says, as its stock manifest has it on every node (flannel's --ip-masq in
    /// kube-flannel.yml, Calico's default IP pool with natOutgoing: true, weave-kube's WEAVE chain): pod traffic to
    /// a node's own address (a hostNetwork server) leaves the pod network too, and is masqueraded.
    /// </param>
    public ClusterBuild(Scenario scenario, Variant variant, ulong seed, bool withLoadBalancer = false, IpProtocol measured = IpProtocol.Tcp, bool beyondEdge = false)
    {
        if (withLoadBalancer && beyondEdge)
        {
            throw new ArgumentException("the load-balancer path's director holds the nodes' gateway address, which the edge's uplink holds for the remote host: one or the other in a build.", nameof(beyondEdge));
        }

        var spec = scenario.Cluster;
        Timeline = scenario.Timeline;
        _scenario = scenario;
        Tcp = spec.TcpInternalPacing ? TcpOptions.Linux with { InternalPacing = true } : TcpOptions.Linux;
        var cni = variant.Cni.Create();
        cni.MasqueradeOutgoing = true; // the stock manifests' (see beyondEdge); plugins that build none (Cilium) ignore it
        cni.MasqueradePorts = variant.MasqueradePorts ?? spec.MasqueradePorts;
        spec.Cilium.Apply(cni, variant.Kernel ?? spec.Kernel);
        cni.Mtu = (variant.PodMtu ?? spec.PodMtu).Bytes;
        cni.VxlanDf = spec.VxlanDf;
        Cluster = new KubernetesCluster(
            new ClusterOptions
            {
                Nodes = spec.Nodes,
                Racks = spec.Racks,
                Spines = spec.Spines,
                InterZoneDelay = spec.InterZoneDelay,
                CoresPerNode = spec.CoresPerNode,
                LinkGigabits = spec.NicGigabits,
                Propagation = spec.LinkDelay,
                NodeMtu = spec.Mtu,
                Costs = Costs(scenario),
                Fabric = spec.Fabric,
                BridgeNetfilter = spec.BridgeNetfilter,
                Iptables = spec.Iptables,
                ClusterCidr = spec.ClusterCidr,
                NodeCidrMaskSize = spec.NodeCidrMaskSize,
                NodeSubnet = spec.NodeSubnet,
                Seed = seed,
            },
            cni);
        foreach (var node in Cluster.Nodes)
        {
            if (node.Nic is { } nic)
            {
                nic.Offloads = spec.Offloads ? NicOffloads.All : NicOffloads.None;
            }
        }

        foreach (var node in Cluster.Nodes)
        {
            // topology.kubernetes.io/zone: the scenario's zones (node N in zone-((N-1) mod zones + 1)), or a Node manifest's label.
            node.Zone = scenario.Objects.Nodes.FirstOrDefault(n => n.Number == node.Index)?.Labels.GetValueOrDefault(Kubernetes.Scheduling.SchedulingNode.ZoneLabel)
                ?? (spec.Zones > 0 ? $"zone-{((node.Index - 1) % spec.Zones) + 1}" : null);
        }

        Proxy = new ServiceProxy(variant.KubeProxy, Cluster);
        foreach (var node in Cluster.Nodes)
        {
            // After kube-proxy wrote its values, as an administrator's sysctl (or kube-proxy's flags) would.
            var sysctls = node.Host.Conntrack;
            sysctls.Timeouts = spec.ConntrackTimeouts;
            sysctls.ClashResolution = (variant.Kernel ?? spec.Kernel).ClashResolution;
            sysctls.NatPortSearch = (variant.Kernel ?? spec.Kernel).NatPortSearch;
            node.Host.ConnectPortSearch = (variant.Kernel ?? spec.Kernel).ConnectPortSearch;
            if ((variant.ConntrackMax ?? spec.ConntrackMax) is { } max)
            {
                sysctls.Max = max;
            }
        }
        if ((variant.IcmpFragmentationNeeded ?? spec.IcmpFragmentationNeeded) == IcmpFragmentationNeeded.Filtered)
        {
            // A firewall on every node, ahead of what kube-proxy and the plugin wrote: the errors the node itself
            // sends (OUTPUT: a tunnel's, or ip_forward's) and those it forwards (FORWARD).
            var drop = new Network.Netfilter.Rule { Protocol = IpProtocol.Icmp, IcmpFragmentationNeeded = true, Target = Network.Netfilter.RuleTarget.Drop, Comment = "block ICMP fragmentation-needed" };
            foreach (var node in Cluster.Nodes)
            {
                var nf = node.Root.EnableNetfilter();
                nf.FilterOutput.Insert(drop);
                nf.FilterForward.Insert(drop);
            }
        }

        Client = Cluster.AddPod(ClusterLayout.Client, 1, ClusterLayout.ClientLabels);
        LocalServer = Cluster.AddPod(ClusterLayout.LocalServer, 1, ClusterLayout.ServerLabels);
        RemoteServer = Cluster.AddPod(ClusterLayout.RemoteServer, 2, ClusterLayout.RemoteSelector);
        // CoreDNS runs in kube-system: its namespace label lets a manifest's egress rule allow DNS to it by namespaceSelector.
        var dnsLabels = new Dictionary<string, string>(ClusterLayout.KubeDnsSelector) { [Manifests.ManifestCluster.NamespaceLabel] = "kube-system" };
        var dnsPod = Cluster.AddPod(ClusterLayout.CoreDns, 2, dnsLabels);
        // More replicas go on from node 3 (node 1 with two nodes), as spreading puts a Deployment's pods.
        var dnsReplicas = Enumerable.Range(1, spec.CoreDnsReplicas - 1)
            .Select(k => Cluster.AddPod($"{ClusterLayout.CoreDns}-{k}", ((k + 1) % spec.Nodes) + 1, dnsLabels)).ToList();
        Resolver = variant.Resolver ?? spec.Resolver;
        // With a placement key in the scenario (docs/placement.md), kube-scheduler's model places the
        // deployments (ScenarioPlacement): each Deployment is handed its running replicas' nodes in replica order,
        // so pod N lands where the scheduler put replica N; a Pending replica has no sandbox (validation warned
        // with the scheduler's message); pods a timeline creates later take the same nodes round robin.
        // Otherwise deployments without a node list share one round robin over all nodes, each going on where the
        // one before stopped (spread as kube-scheduler's least-allocated scoring spreads equal pods on equal nodes);
        // a node list is a round robin of the deployment's own. Stamped deployments (count) go on from one stamp to the next.
        Placement = ScenarioPlacement.UsesScheduler(scenario) ? ScenarioPlacement.Place(scenario) : [];
        long cursor = 0;
        foreach (var dep in scenario.Deployments)
        {
            var nodes = dep.Nodes.Count > 0 ? dep.Nodes : Enumerable.Range(1, spec.Nodes).ToList();
            var lifecycle = variant.PreStopSleep is { } preStop ? dep.Lifecycle with { PreStopSleep = preStop } : dep.Lifecycle;
            long start = dep.Nodes.Count > 0 ? 0 : cursor;
            for (int c = 0; c < dep.Count; c++)
            {
                string name = dep.Count > 1 ? $"{dep.Name}-{c}" : dep.Name;
                if (Placement.Count > 0)
                {
                    var placed = Placement.Where(p => p.Stamp == name && p.Placement.IsRunning).Select(p => p.Node).ToList();
                    _deployments[name] = new Deployment(Cluster, name, placed.Count, dep.Labels, placed, dep.Strategy, lifecycle);
                    continue;
                }

                // The Deployment places pod k on its list's k-th node, round robin: the list rotated to where this
                // stamp's round robin begins.
                int from = (int)((start + ((long)c * dep.Replicas)) % nodes.Count);
                IReadOnlyList<int> rotated = from == 0 ? nodes : [.. nodes.Skip(from), .. nodes.Take(from)];
                _deployments[name] = new Deployment(Cluster, name, dep.Replicas, dep.Labels, rotated, dep.Strategy, lifecycle);
            }

            cursor = dep.Nodes.Count > 0 ? cursor : (cursor + dep.Pods) % spec.Nodes;
        }

        foreach (var pod in scenario.Objects.Pods)
        {
            _ = pod.HostNetwork ? Cluster.AddHostNetworkPod(pod.ClusterName, pod.Node, pod.Labels) : Cluster.AddPod(pod.ClusterName, pod.Node, pod.Labels);
        }

        var cidr = spec.ServiceCidr;
        KubeDnsIp = cidr[ClusterLayout.KubeDnsOffset];
        ServiceIp = cidr[ClusterLayout.ServiceOffset];
        Proxy.Add(new Service(ClusterLayout.KubeDns, KubeDnsIp, 53, 53, IpProtocol.Udp, ClusterLayout.KubeDnsSelector));
        Dns = new CoreDns(dnsPod);
        foreach (var replica in dnsReplicas)
        {
            _ = new CoreDns(replica, replicaOf: Dns);
        }

        Nameserver = KubeDnsIp;
        if (spec.NodeLocalDns)
        {
            // NodeLocal DNSCache's DaemonSet (cluster/addons/dns/nodelocaldns): on each node a dummy device
            // nodelocaldns with 169.254.20.10 and a hostNetwork CoreDNS bound to it, with its own cache. Its misses
            // are forwarded to kube-dns over TCP (force_tcp); here it answers them from the shared zone at once.
            Nameserver = NodeLocalDnsIp;
            foreach (var node in Cluster.Nodes)
            {
                var device = new DummyDevice(node.Root, "nodelocaldns");
                node.Root.AddAddress(device, NodeLocalDnsIp, 32);
                _ = new CoreDns(Cluster.AddHostNetworkPod($"node-local-dns-{node.Index}", node.Index), replicaOf: Dns, listen: NodeLocalDnsIp);
            }
        }

        Dns.AddService(ClusterLayout.KubeDns, "kube-system", KubeDnsIp);
        var web = new Service(ClusterLayout.Service, ServiceIp, ClusterLayout.ServicePort, ClusterLayout.ServerPort, measured, ClusterLayout.RemoteSelector)
        {
            NodePort = ClusterLayout.NodePort,
        };
        Dns.AddService(ClusterLayout.HeadlessService, "default", RemoteServer.Ip); // clusterIP: None: the answer is the pod
        AddScenarioServices(scenario, variant, cidr);
        AddManifestServices(scenario);

        // The measured Service last, so that in iptables mode a new connection to it walks past every other
        // Service's rule first, as kube-proxy's rule order puts a Service created late.
        Proxy.Add(web);
        Dns.AddService(ClusterLayout.Service, "default", ServiceIp);
        AddPolicies(scenario);
        if (scenario.Timeline.Any(e => e.Action is not (TimelineAction.StartWorkload or TimelineAction.StopWorkload)))
        {
            // Only a timeline changes pods while the run goes on: without one, no controller runs (and nothing
            // changes); a workload's start and stop change no object.
            Slices = new EndpointSliceController(Cluster);
            Sync = Proxy.FollowEndpointSlices(Slices, spec.MinSyncPeriod, (variant.StaleUdpConntrack ?? spec.StaleUdpConntrack) == StaleUdpConntrack.Cleared);
            if (scenario.Timeline.Any(e => e.Action == TimelineAction.FailNode))
            {
                NodeLifecycle = new NodeLifecycleController(Cluster, _deployments.Values, spec.NodeMonitorGracePeriod, spec.DefaultUnreachableTolerationSeconds);
            }
        }

        Outside = Cluster.AddExternalHost(ClusterLayout.Outside);
        foreach (var nic in Outside.Root.Devices.OfType<PhysicalNic>())
        {
            nic.Offloads = spec.Offloads ? NicOffloads.All : NicOffloads.None; // none on kind: the outside client is a container
        }
        if (beyondEdge)
        {
            Remote = Cluster.AddRemoteHost(ClusterLayout.Remote);
            RemoteAddress = Remote.Root.Devices.First(d => d.PrimaryAddress is not null && d != Remote.Root.Loopback).PrimaryAddress!.Value;
            foreach (var nic in Remote.Root.Devices.OfType<PhysicalNic>())
            {
                nic.Offloads = spec.Offloads ? NicOffloads.All : NicOffloads.None;
            }
        }

        if (withLoadBalancer)
        {
            // An L4 balancer in front of the NodePorts (LVS-NAT), its health checks starting now: the warm-up
            // sees the nodes pass their first check before any request is measured.
            LoadBalancer = new ExternalLoadBalancer(Cluster, new KubeProxyHealthServers(Cluster));
            _virtualService = LoadBalancer.Publish(web, LoadBalancerVip);
        }
    }

    private readonly Network.Netfilter.IpvsVirtualService? _virtualService;
    private readonly Dictionary<string, Deployment> _deployments = [];

    /// <summary>The scenario's timeline, played by each run on this cluster.</summary>
    public IReadOnlyList<TimelineEvent> Timeline { get; }

    /// <summary>The scenario's deployments, by name.</summary>
    public IReadOnlyDictionary<string, Deployment> Deployments => _deployments;

    /// <summary>The EndpointSlice controller and kube-proxy's sync loop, when the scenario has a timeline.</summary>
    public EndpointSliceController? Slices { get; }

    public KubeProxySync? Sync { get; }

    /// <summary>The node lifecycle and taint eviction controllers, when a timeline fails a node.</summary>
    public NodeLifecycleController? NodeLifecycle { get; }

    /// <summary>
    /// The Kubernetes layer's Services a setExternalTrafficPolicy entry's target names, as built (one per port of a
    /// manifest's Service): a scenario Service by name, a manifest's by namespace/name or its name alone.
    /// </summary>
    public IReadOnlyList<Service> ExternalPolicyServices(string target) =>
        _services.TryGetValue(target, out var own) ? [own]
        : ExternalPolicyTarget.Manifest(_scenario, target, out _) is { } m ? _manifestServices[ExternalPolicyTarget.Key(m)]
        : throw new KeyNotFoundException($"no Service '{target}' (validated before the run).");

    private readonly Dictionary<string, IReadOnlyList<Service>> _manifestServices = new(StringComparer.Ordinal);
    private readonly Scenario _scenario;

    /// <summary>The scenario's Services by name (ClusterIP and NodePort), as programmed or, for those a timeline adds, as they will be.</summary>
    public IReadOnlyDictionary<string, Service> ScenarioServiceObjects => _services;

    private readonly Dictionary<string, Service> _services = [];

    /// <summary>The scenario's Services a timeline's addService creates (in <see cref="ScenarioServiceObjects"/>, but not programmed, sliced or in DNS before their entry).</summary>
    public IReadOnlySet<string> HeldServices => _heldServices;

    private readonly HashSet<string> _heldServices = [];

    private readonly Dictionary<string, Manifests.ManifestService> _heldManifests = new(StringComparer.Ordinal);

    /// <summary>
    /// What an addService or removeService entry's target names, as built: a scenario Service (one), or a
    /// manifest's (one per port, sharing its address), with the name and namespace CoreDNS serves it under.
    /// </summary>
    public (IReadOnlyList<Service> Services, string Name, string Namespace) TimelineServices(string target) =>
        _services.TryGetValue(target, out var own) ? ([own], own.Name, "default")
        : ExternalPolicyTarget.Manifest(_scenario, target, out _) is { } m ? (_manifestServices[ExternalPolicyTarget.Key(m)], m.Name, m.Namespace)
        : throw new KeyNotFoundException($"no Service '{target}' (validated before the run).");

    /// <summary>
    /// Creates every held manifest Service at once, programmed as at the start (for <see cref="WorkloadProbe"/> and
    /// the trace, which follow a workload on the cluster as it will be once the timeline has added them).
    /// </summary>
    internal void CreateHeldManifestServices()
    {
        foreach (var (key, svc) in _heldManifests)
        {
            foreach (var service in _manifestServices[key])
            {
                Proxy.Add(service);
            }

            Dns.AddService(svc.Name, svc.Namespace, svc.ClusterIp);
        }

        _heldManifests.Clear();
    }

    /// <summary>
    /// Creates a held Service at once, programmed as at the start (for <see cref="WorkloadProbe"/> and the trace, which follow
    /// a workload on the cluster as it will be when the workload runs, without its timeline: a workload served by an added Service
    /// starts at or after its addition).
    /// </summary>
    internal void CreateHeldService(string name)
    {
        if (_heldServices.Remove(name))
        {
            Proxy.Add(_services[name]);
            Dns.AddService(name, "default", _services[name].ClusterIp);
        }
    }

    /// <summary>
    /// Runs until the load balancer has seen every node pass its first health check (the director quiesces a
    /// node until then, as a cloud balancer does before a new backend is healthy).
    /// </summary>
    public void WaitForLoadBalancer(SimTime limit)
    {
        if (LoadBalancer is not { } lb || _virtualService is not { } vs)
        {
            return;
        }

        var sim = Cluster.Bed.Sim;
        var until = sim.Now + limit;
        while (!Cluster.Nodes.All(n => lb.IsHealthy(vs, n)) && sim.Now < until)
        {
            sim.RunUntil(sim.Now + SimTime.FromMicroseconds(100));
        }

        if (!Cluster.Nodes.All(n => lb.IsHealthy(vs, n)))
        {
            throw new InvalidOperationException($"the load balancer found no healthy node within {limit.TotalSeconds} s of simulated time.");
        }
    }

    /// <summary>
    /// The host network paths' two hostNetwork pods (created on first use, so every other path's cluster is as
    /// before): the client on node 1, the server on <paramref name="serverNode"/>. They take no pod address and
    /// no veth; their sockets are the nodes' own.
    /// </summary>
    public (Kubernetes.Cluster.Pod Client, Kubernetes.Cluster.Pod Server) HostNetworkPods(int serverNode)
    {
        _hostPods ??= (Cluster.AddHostNetworkPod(ClusterLayout.HostClient, 1, ClusterLayout.ClientLabels),
            Cluster.AddHostNetworkPod(ClusterLayout.HostServer, serverNode, ClusterLayout.ServerLabels));
        return _hostPods.Value;
    }

    private (Kubernetes.Cluster.Pod, Kubernetes.Cluster.Pod)? _hostPods;

    /// <summary>Every replica of the scenario's deployments and where it went (Pending ones included).</summary>
    public IReadOnlyList<DeploymentPod> Placement { get; }

    /// <summary>A hostNetwork pod on node <paramref name="node"/> for a workload between objects (node/N), created on first use.</summary>
    public Kubernetes.Cluster.Pod HostPod(string role, int node)
    {
        string name = $"{role}-node{node}";
        return Cluster.Pods.FirstOrDefault(p => p.Name == name) ?? Cluster.AddHostNetworkPod(name, node, role == "route-client" ? ClusterLayout.ClientLabels : ClusterLayout.ServerLabels);
    }

    /// <summary>Whether a unit's cluster needs the remote host beyond its edge: the egress path, or a workload from or to external.</summary>
    public static bool ReachesOutside(WorkloadSpec workload, CommunicationPath path) =>
        path == CommunicationPath.Egress || workload.Route?.ReachesOutside == true;

    /// <summary>The host beyond the cluster's edge (<see cref="KubernetesCluster.AddRemoteHost"/>), when the build has one.</summary>
    public Host? Remote { get; }

    /// <summary>The remote host's address (198.51.100.10 on one switch; the spine's outside segment with racks; the kind network on kind).</summary>
    public Ipv4Address RemoteAddress { get; }

    /// <summary>The external load balancer, when the load-balancer path is being run.</summary>
    public ExternalLoadBalancer? LoadBalancer { get; }

    public KubernetesCluster Cluster { get; }
    internal ServiceProxy Proxy { get; }
    public Kubernetes.Cluster.Pod Client { get; }
    public Kubernetes.Cluster.Pod LocalServer { get; }
    public Kubernetes.Cluster.Pod RemoteServer { get; }
    public CoreDns Dns { get; }

    /// <summary>How the pods' resolvers send A and AAAA (their dnsConfig options).</summary>
    public ResolverQueries Resolver { get; }

    /// <summary>NodeLocal DNSCache's address (the DaemonSet's default, __PILLAR__LOCAL__DNS__ 169.254.20.10).</summary>
    public static readonly Ipv4Address NodeLocalDnsIp = Ipv4Address.Parse("169.254.20.10");

    /// <summary>The pods' resolv.conf nameserver: kube-dns's ClusterIP, or with NodeLocal DNSCache its link-local address.</summary>
    public Ipv4Address Nameserver { get; private set; }
    public Host Outside { get; }
    public Ipv4Address KubeDnsIp { get; }
    public Ipv4Address ServiceIp { get; }
    public int ScenarioServices { get; private set; }

    /// <summary>The nodes' TCP: Linux's, pacing itself when cluster.tcpPacing says so.</summary>
    public TcpOptions Tcp { get; }

    /// <summary>Every host whose CPU a run accounts: the nodes and the outside client.</summary>
    /// <summary>Every machine whose kernel does work for the measured traffic (on kind, the host under the node containers too: its bridge forwards every frame between them).</summary>
    public IReadOnlyList<Host> Hosts
    {
        get
        {
            List<Host> hosts = [.. Cluster.Nodes.Select(n => n.Host), Outside];
            if (Remote is { } remote && remote != Outside)
            {
                hosts.Add(remote);
            }

            if (LoadBalancer is { } lb)
            {
                hosts.Add(lb.Host);
                hosts.Add(lb.Client);
            }

            if (Cluster.Kind is { } kind)
            {
                hosts.Add(kind.Host);
            }

            return hosts;
        }
    }

    private void AddScenarioServices(Scenario scenario, Variant variant, Ipv4Prefix cidr)
    {
        int next = ClusterLayout.FirstScenarioService;
        ushort nodePort = 30000;
        var held = scenario.Timeline.Where(e => e.Action == TimelineAction.AddService).Select(e => e.Target).ToHashSet();
        foreach (var spec in scenario.Services)
        {
            for (int i = 0; i < spec.Count; i++)
            {
                string name = spec.Count > 1 ? $"{spec.Name}-{i}" : spec.Name;
                if (spec.Type == ServiceType.Headless)
                {
                    // clusterIP: None: no rules, and DNS answers with the pods the selector picks.
                    var pods = new Service(name, Ipv4Address.Any, spec.Port, spec.TargetPort, IpProtocol.Tcp, spec.Selector).Endpoints(Cluster);
                    Dns.AddService(name, "default", [.. pods.Select(p => p.Ip)]);
                    continue;
                }

                var ip = cidr[(ulong)next++];
                ushort? port = null;
                if (spec.Type == ServiceType.NodePort)
                {
                    while (nodePort == ClusterLayout.NodePort || scenario.Objects.NodePorts.Contains(nodePort))
                    {
                        nodePort++; // the measured Service's and the manifests' node ports are taken
                    }

                    port = nodePort++;
                }

                var service = new Service(name, ip, spec.Port, spec.TargetPort, spec.Protocol, spec.Selector)
                {
                    NodePort = port,
                    ExternalTrafficPolicy = spec.ExternalTrafficPolicy,
                };
                _services[name] = service;
                if (held.Contains(name))
                {
                    // Created by its timeline entry: no rules, no slice, no DNS record before. Its ClusterIP is the
                    // one it would have had from the start (the API server allocates a free address at random; the
                    // next in order keeps every other Service's address as it is without the timeline).
                    _heldServices.Add(name);
                    continue;
                }

                Proxy.Add(service);
                Dns.AddService(name, "default", ip);
                ScenarioServices++;
            }
        }

        // The compare block's extra Services: ClusterIPs that also lead to the remote server.
        for (int i = 0; i < variant.ExtraServices; i++)
        {
            Proxy.Add(new Service($"extra-{i}", cidr[(ulong)next++], ClusterLayout.ServicePort, ClusterLayout.ServerPort, IpProtocol.Tcp, ClusterLayout.RemoteSelector));
            ScenarioServices++;
        }
    }

    /// <summary>
    /// The manifests' Services: every port a Service of the Kubernetes layer at the Service's address (kube-proxy
    /// writes a rule set per port), and CoreDNS's answers: the ClusterIP, or for a headless Service its endpoints'
    /// addresses and each endpoint's own name (hostname.subdomain, a StatefulSet's db-0.db) when it has one.
    /// </summary>
    private void AddManifestServices(Scenario scenario)
    {
        bool patched = scenario.Timeline.Any(e => e.Action is TimelineAction.SetExternalTrafficPolicy or TimelineAction.AddService or TimelineAction.RemoveService);
        var own = ExternalPolicyTarget.ScenarioServices(scenario).Select(x => x.Name).ToHashSet(StringComparer.Ordinal); // a name the scenario's services hold is theirs
        var held = scenario.Timeline
            .Where(e => e.Action == TimelineAction.AddService && !own.Contains(e.Target))
            .Select(e => ExternalPolicyTarget.Manifest(scenario, e.Target, out _)).OfType<Manifests.ManifestService>()
            .Select(ExternalPolicyTarget.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var svc in scenario.Objects.Services)
        {
            var first = svc.ForPort(svc.Ports[0]);
            if (svc.Type == Manifests.ManifestServiceType.Headless)
            {
                var pods = first.Endpoints(Cluster);
                Dns.AddService(svc.Name, svc.Namespace, [.. pods.Select(p => p.Ip)]);
                foreach (var pod in pods)
                {
                    if (scenario.Objects.Pods.FirstOrDefault(p => p.ClusterName == pod.Name) is { } m && m.Subdomain == svc.Name)
                    {
                        Dns.AddService($"{m.Name}.{svc.Name}", svc.Namespace, pod.Ip);
                    }
                }

                continue;
            }

            var versions = patched ? new List<Service>() : null; // kept only for a timeline that patches, adds or removes Services
            string key = ExternalPolicyTarget.Key(svc);
            bool later = held.Contains(key); // created by its timeline entry: no rules, no slice, no DNS record before
            foreach (var port in svc.Ports)
            {
                var service = svc.ForPort(port);
                versions?.Add(service);
                if (!later)
                {
                    Proxy.Add(service);
                    ScenarioServices++;
                }
            }

            if (versions is not null)
            {
                _manifestServices[key] = versions;
            }

            if (later)
            {
                _heldManifests[key] = svc;
                continue;
            }

            Dns.AddService(svc.Name, svc.Namespace, svc.ClusterIp);
        }
    }

    /// <summary>The scenario's NetworkPolicies and the manifests', once every pod exists (felix renders each selected endpoint's chains).</summary>
    private void AddPolicies(Scenario scenario)
    {
        if (scenario.NetworkPolicies.Count == 0 && scenario.Objects.Policies.Count == 0)
        {
            return;
        }

        Policies = new NetworkPolicies(Cluster);
        var held = scenario.Timeline.Where(e => e.Action == TimelineAction.AddNetworkPolicy).Select(e => e.Target).ToHashSet();
        foreach (var (policy, _) in scenario.Objects.Policies)
        {
            Policies.Add(policy);
        }

        foreach (var spec in scenario.NetworkPolicies)
        {
            var rules = spec.Ingress.Select(r => new NetworkPolicyIngressRule(
                [.. r.From.Select(p => p.PodSelector is { } sel ? NetworkPolicyPeer.Pods(sel) : new NetworkPolicyPeer { IpBlock = p.IpBlock })],
                [.. r.Ports.Select(port => new NetworkPolicyPort(IpProtocol.Tcp, port))])).ToList();
            for (int i = 0; i < spec.Count; i++)
            {
                var policy = new NetworkPolicy(spec.Count > 1 ? $"{spec.Name}-{i}" : spec.Name, spec.PodSelector, rules);
                if (held.Contains(policy.Name))
                {
                    _heldPolicies[policy.Name] = policy; // created by its timeline entry, not before
                    continue;
                }

                Policies.Add(policy);
            }
        }
    }

    /// <summary>The scenario's NetworkPolicies, when it has any (enforced only where the CNI enforces them).</summary>
    public NetworkPolicies? Policies { get; private set; }

    /// <summary>The scenario's NetworkPolicies a timeline's addNetworkPolicy creates, by name, not yet created.</summary>
    public IReadOnlyDictionary<string, NetworkPolicy> HeldPolicies => _heldPolicies;

    private readonly Dictionary<string, NetworkPolicy> _heldPolicies = [];


    private static CostTable Costs(Scenario scenario)
    {
        var table = scenario.CostTable is { } given
            ? given.Clone()
            : scenario.CostFile is { } file
            ? CostTable.Load(scenario.ResolvePath(file))
            : CostTable.Profile(scenario.CostProfile ?? (scenario.Cluster.Fabric == Kubernetes.Cluster.ClusterFabric.Kind ? "kind" : "physical"));
        foreach (var (stage, cost) in scenario.Costs)
        {
            table[stage] = cost;
        }

        return table;
    }
}
