using k8s.Models;
using NetPerf.Kubernetes.Policy;
using NetPerf.Network.Packets;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Manifests;

/// <summary>
/// A manifest set mapped onto the cluster model the scenario's own deployments and Services use: pods (with
/// labels, container ports and a node from <see cref="IPodPlacement"/>), Services (every port, TCP and UDP,
/// targetPort by name resolved), EndpointSlices for Services without a selector, and ingress NetworkPolicies.
/// What the model cannot build is refused at its line, never dropped. Independent of the variant: every
/// variant's cluster is built from the same mapping (<see cref="Running.ClusterBuild"/>).
/// </summary>
public sealed partial class ManifestCluster
{
    /// <summary>
    /// The label every mapped pod carries with its namespace, so that a Service's or a policy's selector, which
    /// the API scopes to its namespace, is scoped here by one more label (Calico scopes its selectors the same
    /// way, with projectcalico.org/namespace). The kubelet labels a pod's containers with this key.
    /// </summary>
    public const string NamespaceLabel = "io.kubernetes.pod.namespace";

    public static readonly ManifestCluster Empty = new();

    private readonly List<ManifestPod> _pods = [];
    private readonly List<(ManifestPod Pod, string Message)> _pending = [];
    private readonly List<ManifestService> _services = [];
    private readonly List<(NetworkPolicy Policy, ManifestObject At)> _policies = [];
    private readonly List<ScenarioError> _errors = [];
    private readonly List<string> _warnings = [];

    public IReadOnlyList<ManifestPod> Pods => _pods;

    /// <summary>The pods the scheduler left Pending, not built, with its FailedScheduling message (describe lists them as kubectl does).</summary>
    public IReadOnlyList<(ManifestPod Pod, string Message)> Pending => _pending;
    public IReadOnlyList<ManifestService> Services => _services;
    public IReadOnlyList<(NetworkPolicy Policy, ManifestObject At)> Policies => _policies;
    public IReadOnlyList<PlacementNode> Nodes { get; private set; } = [];

    public bool IsEmpty => _pods.Count == 0 && _services.Count == 0 && _policies.Count == 0;

    /// <summary>
    /// Maps <paramref name="set"/> onto a cluster of <paramref name="cluster"/>'s nodes, adding what it refuses to
    /// <paramref name="errors"/> and what it builds differently from a real cluster to <paramref name="warnings"/>.
    /// Pods are placed by the kube-scheduler model (<see cref="SchedulerPlacement"/>, ties from <paramref name="seed"/>) unless another placement is given.
    /// </summary>
    public static ManifestCluster Map(ManifestSet set, ClusterSpec cluster, List<ScenarioError> errors, List<string> warnings, ulong seed = 1, IPodPlacement? placement = null)
    {
        var m = new ManifestCluster();
        if (set.Objects.Count == 0)
        {
            return m;
        }

        m.Nodes = m.MapNodes(set, cluster);
        var namespaces = m.NamespaceLabels(set);
        m.MapWorkloads(set);
        m.PlacePods(placement ?? new SchedulerPlacement(seed));
        m.MapServices(set, cluster);
        m.MapPolicies(set, namespaces);
        errors.AddRange(m._errors);
        warnings.AddRange(m._warnings);
        return m;
    }

    /// <summary>The manifests' pod named <paramref name="name"/> in <paramref name="ns"/>, or null.</summary>
    public ManifestPod? Pod(string ns, string name) => _pods.FirstOrDefault(p => p.Namespace == ns && p.Name == name);

    /// <summary>The manifests' Service named <paramref name="name"/> in <paramref name="ns"/>, or null.</summary>
    public ManifestService? Service(string ns, string name) => _services.FirstOrDefault(s => s.Namespace == ns && s.Name == name);

    /// <summary>The pods of one workload (kind/name in a namespace: deployment/frontend), in replica order.</summary>
    public IReadOnlyList<ManifestPod> PodsOf(string owner, string ns) => [.. _pods.Where(p => p.Owner == owner && p.Namespace == ns)];

    /// <summary>The pods a selector picks (the namespace label among its keys), in name order, as the EndpointSlice controller lists them.</summary>
    public IReadOnlyList<ManifestPod> Selected(IReadOnlyDictionary<string, string> selector) =>
        [.. _pods.Where(p => Matches(selector, p.Labels)).OrderBy(p => p.ClusterName, StringComparer.Ordinal)];

    internal static bool Matches(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>An error at a field of an object (a path of keys and indexes into its document), or at the object when the field is not written.</summary>
    private void Error(ManifestObject at, string message, params object[] path) => _errors.Add(Locate(at, message, path));

    private void Warn(ManifestObject at, string message, params object[] path)
    {
        var e = Locate(at, message, path);
        _warnings.Add(Printable.Escape($"{e.File}:{e.Line}:{e.Column}: warning: {e.Message}"));
    }

    private static ScenarioError Locate(ManifestObject at, string message, object[] path)
    {
        var node = at.Yaml is null ? null : Enumerable.Range(0, path.Length + 1).Select(k => ScenarioChecks.At(at.Yaml, path[..(path.Length - k)])).FirstOrDefault(n => n is not null);
        return node is null
            ? new ScenarioError(at.File, at.Line, at.Column, message)
            : new ScenarioError(at.File, (int)node.Start.Line, (int)node.Start.Column, message);
    }

    /// <summary>
    /// The cluster's nodes as the scenario's own deployments see them (<see cref="Running.ScenarioPlacement.Nodes"/>:
    /// hostname, the zone cluster.zones gives, cluster.nodeLabels and nodeTaints, allocatable cpu, memory and pods),
    /// with the os and arch labels the kubelet also sets, and the labels and taints a Node manifest of the same name adds.
    /// </summary>
    private List<PlacementNode> MapNodes(ManifestSet set, ClusterSpec cluster)
    {
        int count = cluster.Nodes, zones = cluster.Zones;
        var scheduling = Running.ScenarioPlacement.Nodes(cluster);
        var labels = scheduling.Select(n => new Dictionary<string, string>(n.Labels)
        {
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
        }).ToList();

        var names = Enumerable.Range(1, count).Select(n => $"node{n}").ToList();
        var taints = scheduling.Select(n => new List<Kubernetes.Scheduling.Taint>(n.Taints)).ToList();
        foreach (var (at, node) in set.All<V1Node>())
        {
            int i = names.IndexOf(at.Name);
            if (i < 0)
            {
                Error(at, $"Node {ManifestReader.Q(at.Name)}: the scenario's cluster has nodes {names[0]} to {names[^1]} (cluster.nodes: {count}); name a Node after one of them to label it{DidYouMean.Suggest(at.Name, names)}", "metadata", "name");
                continue;
            }

            foreach (var (k, v) in node.Metadata.Labels ?? new Dictionary<string, string>())
            {
                if (k == Kubernetes.Scheduling.SchedulingNode.ZoneLabel && zones > 0 && labels[i].TryGetValue(k, out var zone) && zone != v)
                {
                    // The fabric already put the node in its zone (its rack, with racks, and so its uplink's inter-zone
                    // delay): a label naming another zone would route by one topology and pay for the other.
                    Error(at, $"Node {ManifestReader.Q(at.Name)}: label {k}: {ManifestReader.Q(v)} contradicts cluster.zones, which puts {at.Name} in {zone} (node N in zone-((N-1) mod zones + 1)); drop the label, or leave out cluster.zones and label every Node's zone", "metadata", "labels", k);
                    continue;
                }

                labels[i][k] = v;
            }

            for (int t = 0; t < (node.Spec?.Taints?.Count ?? 0); t++)
            {
                var taint = node.Spec!.Taints![t];
                if (!Enum.TryParse<Kubernetes.Scheduling.TaintEffect>(taint.Effect, out var effect))
                {
                    Error(at, $"Node {ManifestReader.Q(at.Name)}: spec.taints[{t}].effect {ManifestReader.Q(taint.Effect ?? "")}: Unsupported value; allowed: NoSchedule, PreferNoSchedule, NoExecute", "spec", "taints", t);
                    continue;
                }

                taints[i].Add(new Kubernetes.Scheduling.Taint(taint.Key, taint.Value ?? "", effect));
            }
        }

        return [.. Enumerable.Range(0, count).Select(i => new PlacementNode(i + 1, names[i], labels[i], scheduling[i].Allocatable) { Taints = taints[i] })];
    }

    /// <summary>Each namespace's labels (kubernetes.io/metadata.name set on every namespace, as the API server sets it), for namespaceSelectors.</summary>
    private Dictionary<string, IReadOnlyDictionary<string, string>> NamespaceLabels(ManifestSet set)
    {
        var all = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            all[ns] = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns };
        }

        foreach (var (at, ns) in set.All<V1Namespace>())
        {
            var labels = new Dictionary<string, string>(ns.Metadata.Labels ?? new Dictionary<string, string>()) { ["kubernetes.io/metadata.name"] = at.Name };
            all[at.Name] = labels;
        }

        return all;
    }

    private static IpProtocol? Protocol(string? given) => (given ?? "TCP") switch
    {
        "TCP" => IpProtocol.Tcp,
        "UDP" => IpProtocol.Udp,
        _ => null,
    };

    private static string ProtocolRefused(string? given) =>
        $"protocol {ManifestReader.Q(given ?? "")}: {(given == "SCTP" ? "SCTP is not modelled (the simulated stack has TCP and UDP)" : "not a protocol the API accepts")}; allowed: TCP, UDP";
}
