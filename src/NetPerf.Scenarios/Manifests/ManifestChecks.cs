using NetPerf.Kubernetes.Services;
using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Manifests;

/// <summary>What the mapped manifests ask of each variant's cluster that a variant cannot give, at the manifest's line.</summary>
internal static class ManifestChecks
{
    public static void Check(Scenario s, List<ScenarioError> errors, List<string> warnings)
    {
        var objects = s.Objects;
        if (objects.IsEmpty)
        {
            return;
        }

        var variants = s.Variants();
        var unenforced = variants.Where(v => !v.Cni.EnforcesPolicy).ToList();
        if (objects.Policies.Count > 0 && unenforced.Count > 0)
        {
            var at = objects.Policies[0].At;
            warnings.Add(Printable.Escape($"{at.File}:{at.Line}:{at.Column}: warning: NetworkPolicy: {string.Join(" and ", unenforced.Select(v => v.Cni.Family).Distinct())} enforces no NetworkPolicy; in variant(s) {string.Join(", ", unenforced.Select(v => v.Name))} the manifests' {objects.Policies.Count} policies are accepted and every connection is allowed"));
        }

        // weave-npc and Cilium enforce egress too (WEAVE-NPC-EGRESS; the endpoint's egress policy map), which the model does not render yet.
        if (variants.FirstOrDefault(v => v.Cni.Family is "weave" or "cilium") is { } unbuilt
            && objects.Policies.Any(p => p.Policy.Types.HasFlag(Kubernetes.Policy.NetworkPolicyTypes.Egress)))
        {
            var egress = objects.Policies.First(p => p.Policy.Types.HasFlag(Kubernetes.Policy.NetworkPolicyTypes.Egress)); // a value tuple: no null to test
            string missing = unbuilt.Cni.Family == "weave" ? "weave-npc's egress chains are" : "Cilium's egress policy map is";
            errors.Add(new ScenarioError(egress.At.File, egress.At.Line, egress.At.Column,
                $"NetworkPolicy {ManifestReader.Q(egress.At.Name)}: egress policies are not modelled on {unbuilt.Cni.Name} (variant {unbuilt.Name}; {missing} not built), so its runs would allow what the policy denies; leave {unbuilt.Cni.Name} out of the variants (cluster.cni, compare.cni), or the policy's egress"));
        }

        foreach (var cni in variants.Select(v => v.Cni).Distinct())
        {
            // Pods with an address of their own on each node: the measured ones, the scenario's deployments, the manifests'.
            var perNode = new int[s.Cluster.Nodes + 1];
            foreach (var node in ClusterLayout.MeasuredPodNodes)
            {
                perNode[node]++;
            }

            foreach (var dep in s.Deployments)
            {
                var nodes = dep.Nodes.Count > 0 ? dep.Nodes : Enumerable.Range(1, s.Cluster.Nodes).ToList();
                for (int r = 0; r < dep.Replicas; r++)
                {
                    if (nodes[r % nodes.Count] <= s.Cluster.Nodes)
                    {
                        perNode[nodes[r % nodes.Count]]++;
                    }
                }
            }

            // The kubelet's max-pods counts every pod (hostNetwork ones too); the plugin's IPAM only those with an address.
            int kubelet = s.Cluster.PodsPerNode;
            var addressed = (int[])perNode.Clone();
            foreach (var pod in objects.Pods)
            {
                bool overKubelet = ++perNode[pod.Node] == kubelet + 1;
                bool overIpam = !pod.HostNetwork && ++addressed[pod.Node] == cni.PodsPerNode(s.Cluster.NodeCidrMaskSize) + 1;
                if (overKubelet || overIpam)
                {
                    errors.Add(new ScenarioError(pod.At.File, pod.At.Line, pod.At.Column,
                        $"{pod.At.Kind} {ManifestReader.Q(pod.At.Name)}: pod {ManifestReader.Q(pod.Name)} would be pod {perNode[pod.Node]} on node{pod.Node} (with the measured pods and the scenario's deployments); "
                        + (overKubelet ? $"the kubelet runs at most {kubelet} (min({s.Cluster.PodsPerCore} x {s.Cluster.CoresPerNode} cores, maxPods {s.Cluster.MaxPods}))" : $"{cni} addresses at most {cni.PodsPerNode(s.Cluster.NodeCidrMaskSize)} per node{Loading.ScenarioChecks.RangeNote(cni, s.Cluster.NodeCidrMaskSize)}")
                        + ": add nodes or fewer replicas"));
                }
            }
        }

    }
}
