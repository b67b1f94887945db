using k8s.Models;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Manifests;

public sealed partial class ManifestCluster
{
    /// <summary>The most pods one workload may ask for here (replicas; a DaemonSet's are one a node).</summary>
    public const int MaxReplicas = 10_000;

    /// <summary>Pods, and the pods of each Deployment, ReplicaSet, StatefulSet and DaemonSet, in manifest order.</summary>
    private void MapWorkloads(ManifestSet set)
    {
        foreach (var at in set.Objects)
        {
            switch (at.Object)
            {
                case V1Pod pod:
                    AddPods(at, "pod", 1, pod.Metadata, pod.Spec, ["spec"], (_, _) => at.Name, bound: pod.Spec.NodeName);
                    break;
                case V1Deployment d when Template(at, d.Spec.Selector, d.Spec.Template):
                    AddPods(at, "deployment", d.Spec.Replicas ?? 1, d.Spec.Template.Metadata, d.Spec.Template.Spec, ["spec", "template", "spec"], (r, _) => $"{at.Name}-{r}");
                    break;
                case V1ReplicaSet rs when Template(at, rs.Spec.Selector, rs.Spec.Template):
                    AddPods(at, "replicaset", rs.Spec.Replicas ?? 1, rs.Spec.Template.Metadata, rs.Spec.Template.Spec, ["spec", "template", "spec"], (r, _) => $"{at.Name}-{r}");
                    break;
                case V1StatefulSet ss when Template(at, ss.Spec.Selector, ss.Spec.Template):
                    // Pods name-0, name-1, ... with hostname their own name and subdomain the governing Service, so a
                    // headless Service of that name gives each its DNS name (name-0.svc.ns.svc.cluster.local).
                    AddPods(at, "statefulset", ss.Spec.Replicas ?? 1, ss.Spec.Template.Metadata, ss.Spec.Template.Spec, ["spec", "template", "spec"], (r, _) => $"{at.Name}-{r}",
                        subdomain: ss.Spec.ServiceName);
                    break;
                case V1DaemonSet ds when Template(at, ds.Spec.Selector, ds.Spec.Template):
                    var selector = ds.Spec.Template.Spec.NodeSelector ?? new Dictionary<string, string>();
                    var eligible = Nodes.Where(n => Matches(selector.AsReadOnly(), n.Labels)).ToList();
                    if (eligible.Count == 0)
                    {
                        Error(at, $"DaemonSet {ManifestReader.Q(at.Name)}: its nodeSelector matches none of the cluster's nodes, so it would run no pod; the nodes' labels are kubernetes.io/hostname (node1 ...), kubernetes.io/os, kubernetes.io/arch and those Node manifests add",
                            "spec", "template", "spec", "nodeSelector");
                        break;
                    }

                    // One pod a node the nodeSelector admits, bound to it (the DaemonSet controller pins each with node affinity).
                    AddPods(at, "daemonset", eligible.Count, ds.Spec.Template.Metadata, ds.Spec.Template.Spec, ["spec", "template", "spec"], (r, _) => $"{at.Name}-{eligible[r].Name}",
                        boundTo: r => eligible[r].Number);
                    break;
            }
        }
    }

    /// <summary>What the API server checks of a workload's template: its selector (matchLabels) picks its own template's labels.</summary>
    private bool Template(ManifestObject at, V1LabelSelector? selector, V1PodTemplateSpec? template)
    {
        if (template?.Spec is null)
        {
            Error(at, $"{at.Kind} {ManifestReader.Q(at.Name)}: spec.template.spec: Required value", "spec");
            return false;
        }

        var labels = template.Metadata?.Labels ?? new Dictionary<string, string>();
        if (selector?.MatchLabels is not { Count: > 0 } match)
        {
            Error(at, $"{at.Kind} {ManifestReader.Q(at.Name)} is invalid: spec.selector: Required value (give matchLabels; matchExpressions alone are not modelled)", "spec", "selector");
            return false;
        }

        if (!match.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
        {
            Error(at, $"{at.Kind} {ManifestReader.Q(at.Name)} is invalid: spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`", "spec", "selector");
            return false;
        }

        return true;
    }

    private void AddPods(ManifestObject at, string owner, int replicas, V1ObjectMeta? meta, V1PodSpec spec, object[] specPath, Func<int, int, string> name,
        string? bound = null, string? subdomain = null, Func<int, int>? boundTo = null)
    {
        if (replicas > MaxReplicas)
        {
            Error(at, $"{at.Kind} {ManifestReader.Q(at.Name)}: {replicas:N0} replicas; at most {MaxReplicas:N0} are built", "spec", "replicas");
            return;
        }

        var ports = new List<ContainerPort>();
        for (int c = 0; c < (spec.Containers?.Count ?? 0); c++)
        {
            var container = spec.Containers![c];
            for (int p = 0; p < (container.Ports?.Count ?? 0); p++)
            {
                var port = container.Ports![p];
                if (Protocol(port.Protocol) is not { } protocol)
                {
                    Error(at, $"{at.Kind} {ManifestReader.Q(at.Name)}: containers[{c}].ports[{p}]: {ProtocolRefused(port.Protocol)}", [.. specPath, "containers", c, "ports", p, "protocol"]);
                    continue;
                }

                if (port.ContainerPort is < 1 or > 65535)
                {
                    Error(at, $"{at.Kind} {ManifestReader.Q(at.Name)}: containers[{c}].ports[{p}].containerPort: Invalid value: {port.ContainerPort}: must be between 1 and 65535, inclusive", [.. specPath, "containers", c, "ports", p]);
                    continue;
                }

                ports.Add(new ContainerPort(port.Name, (ushort)port.ContainerPort, protocol));
            }
        }

        int? boundNode = null;
        if (bound is { Length: > 0 })
        {
            var node = Nodes.FirstOrDefault(n => n.Name == bound);
            if (node is null)
            {
                Error(at, $"Pod {ManifestReader.Q(at.Name)}: spec.nodeName {ManifestReader.Q(bound)} is not a node of the cluster (node1 to node{Nodes.Count}){Loading.DidYouMean.Suggest(bound, Nodes.Select(n => n.Name))}", [.. specPath, "nodeName"]);
                return;
            }

            boundNode = node.Number;
        }

        var labels = new Dictionary<string, string>(meta?.Labels ?? new Dictionary<string, string>()) { [NamespaceLabel] = at.Namespace };
        for (int r = 0; r < replicas; r++)
        {
            var pod = new ManifestPod(name(r, replicas), at.Namespace, $"{owner}/{at.Name}", r, labels, ports, spec, at)
            {
                BoundNode = boundTo?.Invoke(r) ?? boundNode,
                Subdomain = subdomain is { Length: > 0 } ? subdomain : spec.Subdomain,
            };
            if (_pods.FirstOrDefault(p => p.ClusterName == pod.ClusterName) is { } clash)
            {
                Error(at, $"{at.Kind} {ManifestReader.Q(at.Name)}: its pod {ManifestReader.Q(pod.Name)} has the name of {clash.Owner}'s pod in {at.Namespace} ({clash.At.File}:{clash.At.Line}); rename one");
                return;
            }

            if (at.Namespace == "default" && ClusterLayout.PodNames.Contains(pod.Name))
            {
                Error(at, $"{at.Kind} {ManifestReader.Q(at.Name)}: its pod {ManifestReader.Q(pod.Name)} in the default namespace has the name of a measured pod ({string.Join(", ", ClusterLayout.PodNames)}); rename it or give it a namespace", "metadata", "name");
                return;
            }

            _pods.Add(pod);
        }
    }

    /// <summary>Gives every pod its node through the one placement seam; a pod placement cannot place stays Pending (warned, not built), refused when its nodeSelector matches no node.</summary>
    private void PlacePods(IPodPlacement placement)
    {
        var results = placement.Place(_pods, Nodes);
        for (int i = 0; i < _pods.Count; i++)
        {
            var pod = _pods[i];
            if (results[i].Pending is { } why)
            {
                var spec = pod.At.Kind == "Pod" ? new object[] { "spec" } : ["spec", "template", "spec"];
                var path = pod.Spec.NodeSelector is { Count: > 0 } ? [.. spec, "nodeSelector"] : pod.Spec.Affinity is not null ? [.. spec, "affinity"] : spec;
                // A nodeSelector no node satisfies is a mistake in the file; any other Pending pod is what the
                // cluster would do (a fourth replica with hostname anti-affinity on three nodes): said, and not built.
                var selector = pod.Spec.NodeSelector ?? new Dictionary<string, string>();
                if (selector.Count > 0 && !Nodes.Any(n => Matches(selector.AsReadOnly(), n.Labels)))
                {
                    Error(pod.At, $"{pod.At.Kind} {ManifestReader.Q(pod.At.Name)}: pod {ManifestReader.Q(pod.Name)} stays Pending: {why} (its nodeSelector matches no node)", path);
                }
                else
                {
                    Warn(pod.At, $"{pod.At.Kind} {ManifestReader.Q(pod.At.Name)}: pod {ManifestReader.Q(pod.Name)} stays Pending: {why}", path);
                }

                _pending.Add((pod, why));
            }

            _pods[i] = pod with { Node = results[i].Node };
        }

        _pods.RemoveAll(p => p.Node == 0);
    }
}
