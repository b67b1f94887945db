using k8s.Models;
using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Scenarios.Manifests;

public sealed partial class ManifestCluster
{
    /// <summary>The widest port range (endPort - port + 1) a policy port is expanded to: the model's rules name single ports.</summary>
    public const int MaxPolicyPortRange = 1024;

    /// <summary>
    /// NetworkPolicies onto the model's policies (ingress and egress, policyTypes defaulted as the API server does): the pod selector and every peer's podSelector scoped to
    /// the policy's namespace by <see cref="NamespaceLabel"/>; a namespaceSelector becomes one peer per namespace
    /// whose labels it matches; named ports become the numbers of the pods the policy selects (ingress) or of the
    /// rule's destination pods (egress); ipBlock.except the prefixes the peer leaves out.
    /// </summary>
    private void MapPolicies(ManifestSet set, Dictionary<string, IReadOnlyDictionary<string, string>> namespaces)
    {
        foreach (var (at, slice) in set.All<V1EndpointSlice>())
        {
            string? owner = slice.Metadata.Labels?.TryGetValue("kubernetes.io/service-name", out var o) == true ? o : null;
            var svc = owner is null ? null : Service(at.Namespace, owner);
            if (svc is null)
            {
                Warn(at, $"EndpointSlice {ManifestReader.Q(at.Name)}: its kubernetes.io/service-name label names no Service of the manifests in {at.Namespace}; kube-proxy uses it for none", "metadata");
            }
            else if (svc.Selector.Count > 0)
            {
                Warn(at, $"EndpointSlice {ManifestReader.Q(at.Name)}: Service {ManifestReader.Q(owner!)} has a selector, so its endpoints are the pods it selects; a given EndpointSlice counts only for a Service without one", "metadata");
            }
        }

        foreach (var (at, policy) in set.All<V1NetworkPolicy>())
        {
            var spec = policy.Spec ?? new V1NetworkPolicySpec();
            string where = $"NetworkPolicy {ManifestReader.Q(at.Name)}";
            // The API server's validation (pkg/apis/networking/validation): a policy type is Ingress or Egress.
            int badType = spec.PolicyTypes?.ToList().FindIndex(t => t is not ("Ingress" or "Egress")) ?? -1;
            if (badType >= 0)
            {
                string given = spec.PolicyTypes![badType];
                Error(at, $"{where}: spec.policyTypes[{badType}]: Unsupported value: {ManifestReader.Q(given)}: supported values: \"Ingress\", \"Egress\"{Loading.DidYouMean.Suggest(given, ["Ingress", "Egress"])}", "spec", "policyTypes", badType);
                continue;
            }

            // The API server's defaulting: without policyTypes a policy is Ingress, and Egress too when it has egress rules.
            var types = spec.PolicyTypes is { Count: > 0 } listed
                ? (listed.Contains("Ingress") ? NetworkPolicyTypes.Ingress : 0) | (listed.Contains("Egress") ? NetworkPolicyTypes.Egress : 0)
                : NetworkPolicyTypes.Ingress | (spec.Egress is { Count: > 0 } ? NetworkPolicyTypes.Egress : 0);

            if (Selector(at, spec.PodSelector, where + ": spec.podSelector", "spec", "podSelector") is not { } podSelector)
            {
                continue;
            }

            podSelector[NamespaceLabel] = at.Namespace;
            var targets = Selected(podSelector);
            var rules = new List<NetworkPolicyIngressRule>();
            bool ok = true;
            for (int r = 0; r < (spec.Ingress?.Count ?? 0) && ok; r++)
            {
                var rule = spec.Ingress![r];
                var peers = new List<NetworkPolicyPeer>();
                for (int p = 0; p < (rule.FromProperty?.Count ?? 0) && ok; p++)
                {
                    ok = Peer(at, rule.FromProperty![p], $"{where}: spec.ingress[{r}].from[{p}]", ["spec", "ingress", r, "from", p], namespaces, peers);
                }

                var ports = new List<NetworkPolicyPort>();
                for (int p = 0; p < (rule.Ports?.Count ?? 0) && ok; p++)
                {
                    ok = PolicyPort(at, rule.Ports![p], $"{where}: spec.ingress[{r}].ports[{p}]", ["spec", "ingress", r, "ports", p], targets, ports);
                }

                // A rule whose peers all matched nothing allows nothing (not everything, as an empty from does).
                if (rule.FromProperty is { Count: > 0 } && peers.Count == 0)
                {
                    continue;
                }

                rules.Add(new NetworkPolicyIngressRule(peers, ports));
            }

            var egress = new List<NetworkPolicyEgressRule>();
            for (int r = 0; r < (spec.Egress?.Count ?? 0) && ok; r++)
            {
                var rule = spec.Egress![r];
                var peers = new List<NetworkPolicyPeer>();
                for (int p = 0; p < (rule.To?.Count ?? 0) && ok; p++)
                {
                    ok = Peer(at, rule.To![p], $"{where}: spec.egress[{r}].to[{p}]", ["spec", "egress", r, "to", p], namespaces, peers);
                }

                // A named port in an egress rule is the destination pod's: the pods the rule's peers pick (every pod without a to).
                var destinations = rule.To is { Count: > 0 }
                    ? _pods.Where(pod => peers.Any(peer => peer.PodSelector is { } sel && Matches(sel, pod.Labels))).OrderBy(pod => pod.ClusterName, StringComparer.Ordinal).ToList()
                    : _pods.OrderBy(pod => pod.ClusterName, StringComparer.Ordinal).ToList();
                var ports = new List<NetworkPolicyPort>();
                for (int p = 0; p < (rule.Ports?.Count ?? 0) && ok; p++)
                {
                    ok = PolicyPort(at, rule.Ports![p], $"{where}: spec.egress[{r}].ports[{p}]", ["spec", "egress", r, "ports", p], destinations, ports, egress: true);
                }

                if (rule.To is { Count: > 0 } && peers.Count == 0)
                {
                    continue;
                }

                egress.Add(new NetworkPolicyEgressRule(peers, ports));
            }

            if (ok)
            {
                string name = at.Namespace == "default" ? at.Name : $"{at.Namespace}/{at.Name}";
                _policies.Add((new NetworkPolicy(name, podSelector, rules) { Egress = egress, Types = types }, at));
            }
        }
    }

    /// <summary>A label selector the model can match: matchLabels only (matchExpressions refused), as a mutable copy.</summary>
    private Dictionary<string, string>? Selector(ManifestObject at, V1LabelSelector? selector, string where, params object[] path)
    {
        if (selector?.MatchExpressions is { Count: > 0 })
        {
            Error(at, $"{where}.matchExpressions are not modelled (the policy and Service model match labels by equality); write them as matchLabels", [.. path, "matchExpressions"]);
            return null;
        }

        return new Dictionary<string, string>(selector?.MatchLabels ?? new Dictionary<string, string>());
    }

    private bool Peer(ManifestObject at, V1NetworkPolicyPeer peer, string where, object[] path, Dictionary<string, IReadOnlyDictionary<string, string>> namespaces, List<NetworkPolicyPeer> peers)
    {
        if (peer.IpBlock is { } block)
        {
            if (!Ipv4Prefix.TryParse(block.Cidr ?? "", out var prefix))
            {
                Error(at, $"{where}.ipBlock.cidr: Invalid value: {ManifestReader.Q(block.Cidr ?? "")}: must be an IPv4 CIDR such as 10.0.0.0/8 (the cluster is IPv4 only)", [.. path, "ipBlock", "cidr"]);
                return false;
            }

            var except = new List<Ipv4Prefix>();
            for (int e = 0; e < (block.Except?.Count ?? 0); e++)
            {
                // The API server's validation: each except is a CIDR strictly inside the block.
                string given = block.Except![e];
                if (!Ipv4Prefix.TryParse(given, out var cut) || cut.Length <= prefix.Length || !prefix.Contains(cut.Network))
                {
                    Error(at, $"{where}.ipBlock.except[{e}]: Invalid value: {ManifestReader.Q(given)}: must be a strict subset of `cidr` {prefix}", [.. path, "ipBlock", "except", e]);
                    return false;
                }

                except.Add(cut);
            }

            peers.Add(new NetworkPolicyPeer { IpBlock = prefix, Except = except });
            return true;
        }

        if (Selector(at, peer.PodSelector, $"{where}.podSelector", [.. path, "podSelector"]) is not { } pods)
        {
            return false;
        }

        if (peer.NamespaceSelector is null)
        {
            pods[NamespaceLabel] = at.Namespace; // no namespaceSelector: pods of the policy's own namespace
            peers.Add(NetworkPolicyPeer.Pods(pods));
            return true;
        }

        if (Selector(at, peer.NamespaceSelector, $"{where}.namespaceSelector", [.. path, "namespaceSelector"]) is not { } nsSelector)
        {
            return false;
        }

        if (nsSelector.Count == 0)
        {
            peers.Add(NetworkPolicyPeer.Pods(pods)); // namespaceSelector {}: every namespace
            return true;
        }

        foreach (var (ns, labels) in namespaces.OrderBy(n => n.Key, StringComparer.Ordinal).Where(n => Matches(nsSelector, n.Value)))
        {
            peers.Add(NetworkPolicyPeer.Pods(new Dictionary<string, string>(pods) { [NamespaceLabel] = ns }));
        }

        return true;
    }

    /// <param name="targets">Whose named ports the entry names: the pods the policy selects (ingress), or the rule's destination pods (egress).</param>
    /// <param name="egress">An egress rule's port: one without a number is every port of its protocol (port 0 here), to pods or addresses alike.</param>
    private bool PolicyPort(ManifestObject at, V1NetworkPolicyPort port, string where, object[] path, IReadOnlyList<ManifestPod> targets, List<NetworkPolicyPort> ports, bool egress = false)
    {
        string whose = egress ? "the rule's destination pods" : "the pods the policy selects";
        if (Protocol(port.Protocol) is not { } protocol)
        {
            Error(at, $"{where}: {ProtocolRefused(port.Protocol)}", [.. path, "protocol"]);
            return false;
        }

        if (port.Port?.Value is not { Length: > 0 } value)
        {
            if (port.EndPort is not null)
            {
                Error(at, $"{where}.endPort: Invalid value: endPort may only be given with a numeric port", [.. path, "endPort"]);
                return false;
            }

            if (egress)
            {
                ports.Add(new NetworkPolicyPort(protocol, NetworkPolicyPort.AnyPort));
                return true;
            }

            // No port: every port of the protocol. The model's port rules need a number, so name each the targets listen on.
            ports.AddRange(targets.SelectMany(t => t.Ports).Where(p => p.Protocol == protocol).Select(p => new NetworkPolicyPort(protocol, p.Port)).Distinct());
            if (targets.Count == 0 || !ports.Any(p => p.Protocol == protocol))
            {
                Error(at, $"{where}: a port entry without a port (every {protocol.ToString().ToUpperInvariant()} port) is modelled by the container ports of the pods the policy selects, and they declare none; give the port", path);
                return false;
            }

            return true;
        }

        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int first))
        {
            int last = port.EndPort ?? first;
            if (first is < 1 or > 65535 || last < first || last > 65535)
            {
                Error(at, $"{where}: Invalid value: ports {first} to {last}: port must be 1-65535 and endPort at least port", path);
                return false;
            }

            if (last - first + 1 > MaxPolicyPortRange)
            {
                Error(at, $"{where}: a range of {last - first + 1:N0} ports is expanded port by port here; at most {MaxPolicyPortRange:N0}", [.. path, "endPort"]);
                return false;
            }

            for (int p = first; p <= last; p++)
            {
                ports.Add(new NetworkPolicyPort(protocol, (ushort)p));
            }

            return true;
        }

        if (port.EndPort is not null)
        {
            Error(at, $"{where}.endPort: Invalid value: endPort may only be given with a numeric port", [.. path, "endPort"]);
            return false;
        }

        // A named port: the number each selected pod gives that name (the API resolves it per pod; the model's rule
        // holds every such number, which allows no more unless two selected pods name different ports alike).
        var numbers = targets.Select(t => t.Named(value, protocol)).OfType<ushort>().Distinct().Order().ToList();
        if (numbers.Count == 0)
        {
            var names = targets.SelectMany(t => t.Ports).Where(p => p.Name is not null).Select(p => p.Name!).Distinct().ToList();
            Error(at, $"{where}.port {ManifestReader.Q(value)}: none of {whose} has a {protocol.ToString().ToUpperInvariant()} container port of that name{Loading.DidYouMean.Suggest(value, names)}; their named ports: {(names.Count == 0 ? "none" : string.Join(", ", names))}", [.. path, "port"]);
            return false;
        }

        ports.AddRange(numbers.Select(n => new NetworkPolicyPort(protocol, n)));
        return true;
    }
}
