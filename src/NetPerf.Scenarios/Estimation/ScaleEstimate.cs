using KubeProxyMode = NetPerf.Kubernetes.Services.KubeProxyMode;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Estimation;

/// <summary>
/// What one simulation of a variant will hold and take, known before anything is built: the cluster's size in
/// kube-proxy's terms (rules per node), the memory it needs term by term (<see cref="ScaleModel"/>'s measured
/// coefficients), the time to build it and the events its traffic makes.
/// </summary>
public sealed record ScaleEstimate
{
    public required string Variant { get; init; }
    public required string KubeProxy { get; init; }

    /// <summary>What <see cref="RulesPerNode"/> counts, in words: kube-proxy's rules, IPVS's services and servers, or Cilium's BPF map entries.</summary>
    public string RulesName { get; init; } = "rules";
    public int Nodes { get; init; }
    public long Pods { get; init; }

    /// <summary>Services with a ClusterIP, a Service per port for the manifests' (the measured ones, the scenario's, the manifests', the compare block's).</summary>
    public long Services { get; init; }

    /// <summary>Service endpoints: each Service's pods summed over Services.</summary>
    public long Endpoints { get; init; }

    /// <summary>
    /// What each node's kube-proxy programs: iptables and nftables rules (KUBE-SERVICES, a KUBE-SVC chain per
    /// Service with a pick rule per endpoint, a KUBE-SEP chain of two per endpoint), or IPVS virtual services and
    /// real servers.
    /// </summary>
    public long RulesPerNode { get; init; }

    /// <summary>BGP sessions between the nodes' BIRD speakers (0 when the variant's routes are not exchanged over BGP).</summary>
    public long BgpSessions { get; init; }

    /// <summary>How those sessions peer (the mesh or route reflectors), for the printout.</summary>
    public Kubernetes.Bgp.BgpPeering BgpPeering { get; init; }

    /// <summary>Routes (and an overlay's neighbour entries) each node holds towards the other nodes' pods.</summary>
    public long RoutesPerNode { get; init; }

    /// <summary>Bytes one simulation of this variant holds at its largest (build and its busiest workload).</summary>
    public long Bytes => (long)Terms.Sum(t => t.Bytes);

    public required IReadOnlyList<ScaleTerm> Terms { get; init; }

    /// <summary>The term that needs the most memory: what drives the estimate.</summary>
    public ScaleTerm Driver => Terms.MaxBy(t => t.Bytes)!;

    public double BuildSeconds => Bytes * ScaleModel.BuildNsPerByte / 1e9;

    /// <summary>Events of the busiest workload per simulated second.</summary>
    public long EventsPerSimulatedSecond { get; init; }

    /// <summary>Events of that workload's whole simulation (warm-up and measured time).</summary>
    public long EventsPerSimulation { get; init; }

    public double SimulateSeconds => EventsPerSimulation / ScaleModel.EventsPerWallSecond;

    /// <summary>A variant's estimate, with the scenario's deployments, Services, manifests and workloads.</summary>
    public static ScaleEstimate Of(Scenario s, Variant v)
    {
        int n = s.Cluster.Nodes;
        long deploymentPods = s.Deployments.Sum(d => d.Pods), manifestPods = s.Objects.Pods.Count;
        long pods = ClusterLayout.PodNames.Count + deploymentPods + manifestPods;

        // The measured Services (kube-dns, web) have one endpoint each, as do the compare block's extras.
        long services = 2 + v.ExtraServices, endpoints = 2 + v.ExtraServices, nodePorts = 0;
        bool portalsPerNode = false; // a LoadBalancer IP's or a topology portal gives each node's KUBE-SERVICES its own rules
        int heaviest = -1;
        long heaviestEndpoints = -1;
        for (int i = 0; i < s.Services.Count; i++)
        {
            var svc = s.Services[i];
            if (svc.Type == ServiceType.Headless)
            {
                continue; // clusterIP: None: no rules, only DNS records
            }

            long selected = svc.Count * Selected(s, svc.Selector);
            services += svc.Count;
            nodePorts += svc.Type is ServiceType.NodePort or ServiceType.LoadBalancer ? svc.Count : 0;
            endpoints += selected;
            if (selected > heaviestEndpoints)
            {
                (heaviest, heaviestEndpoints) = (i, selected);
            }
        }

        // The manifests' Services: kube-proxy writes a Service per port (a KUBE-SVC chain, an IPVS virtual
        // service), each with the endpoints its selector or EndpointSlices give; headless ones hold no rules.
        long manifestServices = 0;
        foreach (var m in s.Objects.Services.Where(m => m.Type != Manifests.ManifestServiceType.Headless))
        {
            long selected = m.Selector.Count > 0 ? s.Objects.Selected(m.Selector).Count : m.ManualEndpoints.Count;
            manifestServices += m.Ports.Count;
            services += m.Ports.Count;
            nodePorts += m.Type is Manifests.ManifestServiceType.NodePort or Manifests.ManifestServiceType.LoadBalancer ? m.Ports.Count : 0;
            portalsPerNode |= (m.Type == Manifests.ManifestServiceType.LoadBalancer && m.ExternalTrafficPolicy == Kubernetes.Services.ExternalTrafficPolicy.Local)
                || m.InternalTrafficPolicy == Kubernetes.Services.InternalTrafficPolicy.Local || m.TrafficDistribution != Kubernetes.Services.TrafficDistribution.Default;
            endpoints += m.Ports.Count * selected;
        }

        bool ipvs = v.KubeProxy == KubeProxyMode.Ipvs;
        // Cilium's kube-proxy replacement holds a Service and its backends in BPF maps (an entry each), no rules.
        bool replaced = s.Cluster.Cilium.KubeProxyReplacement && v.Cni.Family == "cilium";
        long rules = ipvs || replaced ? services + endpoints : (2 * services) + (3 * endpoints) + 1;
        bool overlay = v.Cni.MtuOverhead > 0; // an encapsulating plugin also holds a neighbour and an FDB entry per other node
        var (svcShared, svcPerNode) = ScaleModel.ServiceBytes(v.KubeProxy);
        if (v.KubeProxy == KubeProxyMode.Iptables && portalsPerNode)
        {
            svcPerNode = ScaleModel.PortalBytesPerNodeOnceOwn;
        }

        var (epShared, epPerNode) = ScaleModel.EndpointBytes(v.KubeProxy);
        // iptables and nftables: each pod that is an endpoint holds its endpoint chains' rules once.
        double endpointPodBytes = ipvs || replaced ? 0 : Math.Min(pods, endpoints) * ScaleModel.EndpointRuleBytesPerPod;
        string avg = services > 0 ? Count(endpoints / services) : "0";
        var servicesDriver = v.ExtraServices > services / 2 ? ScaleKey.CompareServices : manifestServices > services / 2 ? ScaleKey.Manifests : ScaleKey.Services;

        var terms = new List<ScaleTerm>
        {
            new("the measured pods, DNS and Services", ScaleModel.BaseBytes, ScaleKey.Cluster, -1),
            new($"{Count(n)} nodes", n * ScaleModel.BytesPerNode, ScaleKey.Nodes, -1),
            new($"{Count(n)} nodes x {Count(n - 1)} other nodes' pod ranges = {Count((long)n * (n - 1))} routes" + (v.Cni.SharesNodeRanges ? ", the ranges held once, a node's routes built on first use" : ""),
                (double)n * (n - 1) * ScaleModel.BytesPerNodePair(overlay, v.Cni.SharesNodeRanges), ScaleKey.Nodes, -1),
            new($"{Count(pods)} pods", pods * ScaleModel.BytesPerPod, manifestPods > deploymentPods ? ScaleKey.Manifests : ScaleKey.Deployments, Largest(s)),
            new(ipvs ? $"{Count(services)} IPVS virtual services and their kube-ipvs0 addresses, held once for {Count(n)} nodes" : $"{Count(services)} Services' chains and their places in {Count(n)} nodes' service maps",
                (services * svcShared) + ((double)services * n * svcPerNode), servicesDriver, heaviest),
            new(ipvs ? $"{Count(endpoints)} IPVS real servers, one list each Service's {Count(n)} nodes share" : $"{Count(services)} Services x {avg} endpoints on average = {Count(endpoints)} endpoints, {Count(rules)} {v.KubeProxy} rules per node",
                (endpoints * epShared) + ((double)endpoints * n * epPerNode) + endpointPodBytes, servicesDriver, heaviest),
        };

        double perNodePort = ScaleModel.NodePortBytesPerNode(v.KubeProxy);
        if (perNodePort > 0 && nodePorts > 0 && !replaced) // Cilium's replacement keeps NodePorts in its BPF service map
        {
            // Each node's own: in IPVS a virtual service on each of the node's addresses (which differ between nodes); in iptables the rule's place in its KUBE-NODEPORTS.
            terms.Add(new(ipvs
                    ? $"{Count(nodePorts)} NodePorts x {Count(n)} nodes = {Count(nodePorts * n)} nodes' own IPVS virtual services (one per node address)"
                    : $"{Count(nodePorts)} NodePorts x {Count(n)} nodes = {Count(nodePorts * n)} places in the nodes' KUBE-NODEPORTS",
                (double)nodePorts * n * perNodePort, servicesDriver, heaviest));
        }

        var (eventsPerSecond, workloadBytes, busiest) = Busiest(s);
        double seconds = (s.WarmUp + s.Duration).TotalSeconds;
        terms.Add(new($"workloads[{busiest}] for {seconds * 1e3:0.#} ms", workloadBytes * seconds, ScaleKey.Workloads, busiest));
        return new ScaleEstimate
        {
            Variant = v.Name,
            KubeProxy = v.KubeProxy.Name,
            RulesName = replaced ? "BPF service and backend entries (kube-proxy replaced)" : ipvs ? "IPVS virtual services and real servers" : $"{v.KubeProxy} rules",
            Nodes = n,
            Pods = pods,
            Services = services,
            Endpoints = endpoints,
            RulesPerNode = rules,
            RoutesPerNode = n - 1,
            BgpSessions = v.Cni.BgpMesh ? s.Cluster.BgpPeering.Sessions(n) : 0,
            BgpPeering = s.Cluster.BgpPeering,
            Terms = terms,
            EventsPerSimulatedSecond = (long)eventsPerSecond,
            EventsPerSimulation = (long)(eventsPerSecond * seconds),
        };
    }

    /// <summary>Pods a selector picks: the deployments whose labels it matches, and the measured pods.</summary>
    private static long Selected(Scenario s, IReadOnlyDictionary<string, string> selector)
    {
        long pods = s.Deployments.Where(d => Matches(d.Labels, selector)).Sum(d => d.Pods);
        foreach (var labels in new[] { ClusterLayout.ClientLabels, ClusterLayout.ServerLabels, ClusterLayout.RemoteSelector, ClusterLayout.KubeDnsSelector })
        {
            pods += Matches(labels, selector) ? 1 : 0;
        }

        return pods;
    }

    private static bool Matches(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> selector) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static int Largest(Scenario s) => s.Deployments.Count == 0 ? -1 : s.Deployments.Select((d, i) => (d.Pods, i)).Max().i;

    /// <summary>The workload with the most events per simulated second, its heap growth, its index.</summary>
    private static (double Events, double Bytes, int Index) Busiest(Scenario s)
    {
        (double, double, int) best = (0, 0, 0);
        for (int i = 0; i < s.Workloads.Count; i++)
        {
            var w = s.Workloads[i];
            var (events, bytes) = ScaleModel.PerSimulatedSecond(w.Test);
            double flows = w.Test == NetperfTestKind.UdpStream ? w.UdpGigabits // measured at 1 Gbit/s
                : w.Test == NetperfTestKind.TcpStream ? 1 // the link is the limit, not the clients
                : w.Clients;
            if (events * flows > best.Item1)
            {
                best = (events * flows, bytes * flows, i);
            }
        }

        return best;
    }

    /// <summary>A count as people say it: 12,500 or 12.5 M.</summary>
    public static string Count(long n) => n >= 10_000_000 ? $"{n / 1e6:0.#} M" : $"{n:N0}";

    public static string Size(double bytes) => bytes >= 1 << 30 ? $"{bytes / (1 << 30):0.0} GiB" : $"{bytes / (1 << 20):0} MiB";
}

/// <summary>A part of an estimate: what it is, its bytes, and which key of the scenario it grows with.</summary>
public sealed record ScaleTerm(string What, double Bytes, ScaleKey Key, int Index);

/// <summary>The scenario key a term of the estimate grows with (where an error about it points).</summary>
public enum ScaleKey
{
    Cluster,
    Nodes,
    Deployments,
    Services,
    CompareServices,
    Workloads,

    /// <summary>The manifests' pods or Services (<c>manifests:</c>).</summary>
    Manifests,
}
