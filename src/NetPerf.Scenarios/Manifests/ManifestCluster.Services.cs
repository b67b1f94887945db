using k8s.Models;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Manifests;

public sealed partial class ManifestCluster
{
    /// <summary>The node-port range (kube-apiserver's --service-node-port-range default).</summary>
    public const int FirstNodePort = 30000, LastNodePort = 32767;

    /// <summary>Node ports the manifests' Services hold (given or allocated), so the scenario's own NodePort Services skip them.</summary>
    public IReadOnlySet<ushort> NodePorts => _nodePorts;

    private readonly HashSet<ushort> _nodePorts = [];

    private void MapServices(ManifestSet set, ClusterSpec cluster)
    {
        var cidr = cluster.ServiceCidr;
        var taken = new HashSet<Ipv4Address>();
        var pending = new List<(ManifestObject At, V1Service Svc, ManifestServiceType Type)>();
        var autoPorts = new List<(ManifestObject At, int Index)>();
        foreach (var (at, svc) in set.All<V1Service>())
        {
            var spec = svc.Spec ?? new V1ServiceSpec();
            if (at.Namespace == "default" && ClusterLayout.ServiceNames.Contains(at.Name))
            {
                Error(at, $"Service {ManifestReader.Q(at.Name)} in the default namespace has the name of a measured Service ({string.Join(", ", ClusterLayout.ServiceNames)}); rename it or give it a namespace", "metadata", "name");
                continue;
            }

            ManifestServiceType type;
            switch (spec.Type ?? "ClusterIP")
            {
                case "ClusterIP":
                    type = spec.ClusterIP == "None" ? ManifestServiceType.Headless : ManifestServiceType.ClusterIP;
                    break;
                case "NodePort":
                    type = ManifestServiceType.NodePort;
                    break;
                case "LoadBalancer":
                    type = ManifestServiceType.LoadBalancer;
                    Warn(at, $"Service {ManifestReader.Q(at.Name)}: type LoadBalancer is built as its ClusterIP and NodePorts; no load balancer or ingress address is in front of it here (the load-balancer path measures one)", "spec", "type");
                    break;
                default:
                    Error(at, $"Service {ManifestReader.Q(at.Name)}: type {ManifestReader.Q(spec.Type!)} is not modelled{(spec.Type == "ExternalName" ? " (ExternalName is a DNS alias to a name outside the cluster)" : "")}; allowed: ClusterIP, NodePort, LoadBalancer, or clusterIP: None (headless)", "spec", "type");
                    continue;
            }

            if (spec.SessionAffinity is { } affinity && affinity is not ("None" or "ClientIP"))
            {
                Error(at, $"Service {ManifestReader.Q(at.Name)}: sessionAffinity {ManifestReader.Q(affinity)}: Unsupported value; allowed: None, ClientIP", "spec", "sessionAffinity");
                continue;
            }

            // The API server's ValidateService: 0 < timeoutSeconds <= 86400 (core/v1 MaxClientIPServiceAffinitySeconds).
            if (spec.SessionAffinity == "ClientIP" && spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is { } timeout && timeout is <= 0 or > 86400)
            {
                Error(at, $"Service {ManifestReader.Q(at.Name)}: spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: {timeout}: must be greater than 0 and less than 86400", "spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds");
                continue;
            }

            if (spec.InternalTrafficPolicy is { } itp && itp is not ("Cluster" or "Local"))
            {
                Error(at, $"Service {ManifestReader.Q(at.Name)}: internalTrafficPolicy {ManifestReader.Q(itp)}: Unsupported value; allowed: Cluster, Local", "spec", "internalTrafficPolicy");
                continue;
            }

            if (spec.TrafficDistribution is { } td && td is not ("PreferClose" or "PreferSameZone" or "PreferSameNode"))
            {
                // kube-apiserver v1.34 accepts PreferClose and, with PreferSameTrafficDistribution (beta, on), PreferSameZone and PreferSameNode.
                Error(at, $"Service {ManifestReader.Q(at.Name)}: trafficDistribution {ManifestReader.Q(td)}: Unsupported value; allowed: PreferClose, PreferSameZone, PreferSameNode", "spec", "trafficDistribution");
                continue;
            }

            if (spec.ExternalTrafficPolicy is { } etp && etp is not ("Cluster" or "Local"))
            {
                Error(at, $"Service {ManifestReader.Q(at.Name)}: externalTrafficPolicy {ManifestReader.Q(etp)}: Unsupported value; allowed: Cluster, Local", "spec", "externalTrafficPolicy");
                continue;
            }

            if (spec.Ports is not { Count: > 0 })
            {
                Error(at, $"Service {ManifestReader.Q(at.Name)} is invalid: spec.ports: Required value", "spec");
                continue;
            }

            if (type != ManifestServiceType.Headless && spec.ClusterIP is { Length: > 0 } given)
            {
                if (!Ipv4Address.TryParse(given, out var ip) || !cidr.Contains(ip) || cidr.Network.Value + ClusterLayout.ReservedServiceIps > ip.Value || ip == cidr[cidr.Size - 1])
                {
                    Error(at, $"Service {ManifestReader.Q(at.Name)}: spec.clusterIP {ManifestReader.Q(given)} must be an address of the service CIDR {cidr} above {cidr[ClusterLayout.ReservedServiceIps - 1]} (below it NetPerf's measured Services sit), or None, or left out to be allocated", "spec", "clusterIP");
                    continue;
                }

                if (!taken.Add(ip))
                {
                    Error(at, $"Service {ManifestReader.Q(at.Name)}: spec.clusterIP {given}: Invalid value: provided IP is already allocated", "spec", "clusterIP");
                    continue;
                }
            }

            pending.Add((at, svc, type));
        }

        // Dynamic addresses from the top of the range down (KEP-3070: the lower band is kept for static ones).
        ulong next = cidr.Size - 2;
        foreach (var (at, svc, type) in pending)
        {
            var spec = svc.Spec;
            var ip = Ipv4Address.Any;
            if (type != ManifestServiceType.Headless)
            {
                if (spec.ClusterIP is { Length: > 0 } given)
                {
                    ip = Ipv4Address.Parse(given);
                }
                else
                {
                    while (next >= ClusterLayout.ReservedServiceIps && taken.Contains(cidr[next]))
                    {
                        next--;
                    }

                    if (next < ClusterLayout.ReservedServiceIps)
                    {
                        Error(at, $"Service {ManifestReader.Q(at.Name)}: failed to allocate a service IP: range is full (cluster.serviceCidr {cidr}); give a larger serviceCidr", "metadata", "name");
                        continue;
                    }

                    ip = cidr[next--];
                    taken.Add(ip);
                }
            }

            var selector = spec.Selector is { Count: > 0 } sel
                ? new Dictionary<string, string>(sel) { [NamespaceLabel] = at.Namespace }
                : new Dictionary<string, string>();
            var selected = selector.Count > 0 ? Selected(selector) : [];
            (IReadOnlyList<string> Pods, IReadOnlyList<Discoveryv1EndpointPort> Ports)? manual = selector.Count == 0 ? ManualEndpoints(set, at) : null;
            var ports = new List<ManifestServicePort>();
            bool ok = true;
            for (int i = 0; i < spec.Ports.Count && ok; i++)
            {
                ok = Port(at, spec.Ports[i], i, type, selected, manual, ports, autoPorts);
            }

            if (!ok)
            {
                continue;
            }

            if (selector.Count > 0 && selected.Count == 0)
            {
                Warn(at, $"Service {ManifestReader.Q(at.Name)}: its selector picks no pod in {at.Namespace}, so it has no endpoints (a connection to it is refused)", "spec", "selector");
            }

            var etp = spec.ExternalTrafficPolicy == "Local" && type is ManifestServiceType.NodePort or ManifestServiceType.LoadBalancer ? ExternalTrafficPolicy.Local : ExternalTrafficPolicy.Cluster;
            _services.Add(new ManifestService(at.Name, at.Namespace, type, ip, selector, ports, at)
            {
                ExternalTrafficPolicy = etp,
                SessionAffinityTimeout = spec.SessionAffinity == "ClientIP"
                    ? spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is { } seconds ? Engine.Time.SimTime.FromSeconds(seconds) : Kubernetes.Services.Service.DefaultAffinityTimeout
                    : null,
                InternalTrafficPolicy = spec.InternalTrafficPolicy == "Local" ? InternalTrafficPolicy.Local : InternalTrafficPolicy.Cluster,
                TrafficDistribution = spec.TrafficDistribution is { } distribution ? Enum.Parse<TrafficDistribution>(distribution) : TrafficDistribution.Default,
                ManualEndpoints = manual?.Pods ?? [],
            });
        }

        // A StatefulSet's governing Service: without a headless Service of that name its pods get no DNS names of their own.
        foreach (var pod in _pods.Where(p => p.Subdomain is not null && p.Replica == 0))
        {
            if (Service(pod.Namespace, pod.Subdomain!) is not { Type: ManifestServiceType.Headless })
            {
                Warn(pod.At, $"{pod.At.Kind} {ManifestReader.Q(pod.At.Name)}: serviceName {ManifestReader.Q(pod.Subdomain!)} names no headless Service (clusterIP: None) in {pod.Namespace}, so its pods get no DNS names of their own ({pod.Name}.{pod.Subdomain}.{pod.Namespace}.svc.cluster.local)",
                    pod.At.Kind == "Pod" ? ["spec", "subdomain"] : ["spec", "serviceName"]);
            }
        }

        // Node ports left to allocate, once every given one is known, from the bottom of the range up.
        int candidate = FirstNodePort;
        foreach (var (at, index) in autoPorts)
        {
            while (candidate <= LastNodePort && (_nodePorts.Contains((ushort)candidate) || candidate == ClusterLayout.NodePort))
            {
                candidate++;
            }

            if (candidate > LastNodePort)
            {
                Error(at, $"Service {ManifestReader.Q(at.Name)}: spec.ports[{index}].nodePort: failed to allocate a node port: range {FirstNodePort}-{LastNodePort} is full", "spec", "ports", index);
                continue;
            }

            int s = _services.FindIndex(x => x.At == at);
            var ports = _services[s].Ports.ToList();
            ports[index] = ports[index] with { NodePort = (ushort)candidate };
            _nodePorts.Add((ushort)candidate++);
            _services[s] = _services[s] with { Ports = ports };
        }
    }

    /// <summary>One port of a Service: protocol, port, targetPort (a name looked up on the selected pods, which must agree), nodePort.</summary>
    private bool Port(ManifestObject at, V1ServicePort p, int i, ManifestServiceType type, IReadOnlyList<ManifestPod> selected, (IReadOnlyList<string> Pods, IReadOnlyList<Discoveryv1EndpointPort> Ports)? manual,
        List<ManifestServicePort> ports, List<(ManifestObject, int)> autoPorts)
    {
        string where = $"Service {ManifestReader.Q(at.Name)}: spec.ports[{i}]";
        if (Protocol(p.Protocol) is not { } protocol)
        {
            Error(at, $"{where}: {ProtocolRefused(p.Protocol)}", "spec", "ports", i, "protocol");
            return false;
        }

        if (p.Port is < 1 or > 65535)
        {
            Error(at, $"{where}.port: Invalid value: {p.Port}: must be between 1 and 65535, inclusive", "spec", "ports", i, "port");
            return false;
        }

        if (ports.Any(x => x.Port == p.Port && x.Protocol == protocol))
        {
            Error(at, $"{where}: Duplicate value: port {p.Port} over {protocol.ToString().ToUpperInvariant()} is listed twice", "spec", "ports", i);
            return false;
        }

        ushort target = (ushort)p.Port;
        if (manual is { } m)
        {
            // A Service without a selector: the EndpointSlice's port of the same name is where its endpoints listen.
            if (m.Ports.FirstOrDefault(x => (x.Name ?? "") == (p.Name ?? "") && (Protocol(x.Protocol) ?? IpProtocol.Tcp) == protocol) is { Port: { } slicePort })
            {
                target = (ushort)slicePort;
            }
            else if (m.Pods.Count > 0)
            {
                Error(at, $"{where}: its EndpointSlices list no port named {ManifestReader.Q(p.Name ?? "")} over {protocol.ToString().ToUpperInvariant()}; a Service without a selector reaches its endpoints on the ports its EndpointSlices give", "spec", "ports", i);
                return false;
            }
        }
        else if (p.TargetPort?.Value is { Length: > 0 } value)
        {
            if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
            {
                if (n is < 1 or > 65535)
                {
                    Error(at, $"{where}.targetPort: Invalid value: {n}: must be between 1 and 65535, inclusive", "spec", "ports", i, "targetPort");
                    return false;
                }

                target = (ushort)n;
            }
            else
            {
                var numbers = selected.Select(pod => pod.Named(value, protocol)).Distinct().ToList();
                if (numbers.Count == 1 && numbers[0] is { } one)
                {
                    target = one;
                }
                else if (numbers.Count > 1 && numbers.All(x => x is not null))
                {
                    Error(at, $"{where}.targetPort {ManifestReader.Q(value)} stands for different ports on the pods it selects ({string.Join(", ", numbers)}); the model gives a Service port one target port: give the number", "spec", "ports", i, "targetPort");
                    return false;
                }
                else if (selected.Count > 0)
                {
                    var without = selected.First(pod => pod.Named(value, protocol) is null);
                    var names = without.Ports.Where(x => x.Name is not null && x.Protocol == protocol).Select(x => x.Name!).ToList();
                    Error(at, $"{where}.targetPort {ManifestReader.Q(value)}: pod {without.Name} ({without.Owner}) has no {protocol.ToString().ToUpperInvariant()} container port of that name{Loading.DidYouMean.Suggest(value, names)}; its named ports: {(names.Count == 0 ? "none" : string.Join(", ", names))}",
                        "spec", "ports", i, "targetPort");
                    return false;
                }
            }
        }

        ushort? nodePort = null;
        if (type is ManifestServiceType.NodePort or ManifestServiceType.LoadBalancer)
        {
            if (p.NodePort is { } given)
            {
                if (given is < FirstNodePort or > LastNodePort || given == ClusterLayout.NodePort)
                {
                    Error(at, $"{where}.nodePort: Invalid value: {given}: provided port is not in the valid range {FirstNodePort}-{LastNodePort}{(given == ClusterLayout.NodePort ? $" or is the measured Service's ({ClusterLayout.NodePort})" : "")}", "spec", "ports", i, "nodePort");
                    return false;
                }

                if (!_nodePorts.Add((ushort)given))
                {
                    Error(at, $"{where}.nodePort: Invalid value: {given}: provided port is already allocated", "spec", "ports", i, "nodePort");
                    return false;
                }

                nodePort = (ushort)given;
            }
            else
            {
                autoPorts.Add((at, i));
            }
        }

        ports.Add(new ManifestServicePort(p.Name, (ushort)p.Port, target, protocol, nodePort));
        return true;
    }

    /// <summary>
    /// A Service without a selector: the pods its EndpointSlices (label kubernetes.io/service-name, same
    /// namespace) name by targetRef, ready ones only, and the slices' ports.
    /// </summary>
    private (IReadOnlyList<string> Pods, IReadOnlyList<Discoveryv1EndpointPort> Ports) ManualEndpoints(ManifestSet set, ManifestObject service)
    {
        var pods = new List<string>();
        var ports = new List<Discoveryv1EndpointPort>();
        foreach (var (at, slice) in set.All<V1EndpointSlice>().Where(x => x.At.Namespace == service.Namespace
            && x.Object.Metadata.Labels?.TryGetValue("kubernetes.io/service-name", out var owner) == true && owner == service.Name))
        {
            if (slice.AddressType != "IPv4")
            {
                Error(at, $"EndpointSlice {ManifestReader.Q(at.Name)}: addressType {ManifestReader.Q(slice.AddressType ?? "")} is not modelled (the cluster is IPv4 only); allowed: IPv4", "addressType");
                continue;
            }

            ports.AddRange(slice.Ports ?? []);
            for (int e = 0; e < (slice.Endpoints?.Count ?? 0); e++)
            {
                var endpoint = slice.Endpoints![e];
                if (endpoint.Conditions?.Ready == false)
                {
                    continue; // not ready: kube-proxy leaves it out
                }

                var target = endpoint.TargetRef;
                var pod = target is { Kind: "Pod" } ? Pod(target.NamespaceProperty ?? at.Namespace, target.Name) : null;
                if (pod is null)
                {
                    var known = _pods.Where(x => x.Namespace == at.Namespace).Select(x => x.Name).ToList();
                    Error(at, target is { Kind: "Pod" }
                        ? $"EndpointSlice {ManifestReader.Q(at.Name)}: endpoints[{e}].targetRef names pod {ManifestReader.Q(target.Name ?? "")}, which the manifests do not create in {target.NamespaceProperty ?? at.Namespace}{Loading.DidYouMean.Suggest(target.Name ?? "", known)}"
                        : $"EndpointSlice {ManifestReader.Q(at.Name)}: endpoints[{e}] has no targetRef to a Pod; an endpoint outside the manifests' pods (an address of a machine elsewhere) is not modelled: name the pod (targetRef: {{kind: Pod, name: ...}})",
                        "endpoints", e);
                    continue;
                }

                if (!pods.Contains(pod.ClusterName))
                {
                    pods.Add(pod.ClusterName);
                }
            }
        }

        return (pods, ports);
    }
}
