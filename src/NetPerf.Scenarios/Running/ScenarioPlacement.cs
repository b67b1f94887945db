using NetPerf.Engine.Random;
using NetPerf.Kubernetes.Scheduling;
using NetPerf.Scenarios.Model;

namespace NetPerf.Scenarios.Running;

/// <summary>One replica of a scenario deployment and where it went.</summary>
/// <param name="Stamp">The Deployment's name: the deployment's, or name-c for stamp c of a stamped one (count).</param>
public sealed record DeploymentPod(int Deployment, string Stamp, int Replica, string Name, PodPlacement Placement)
{
    /// <summary>The node's number (1-based), or 0 when the pod is not bound.</summary>
    public int Node => Placement.Node is { } n ? int.Parse(n.AsSpan("node".Length), System.Globalization.CultureInfo.InvariantCulture) : 0;
}

/// <summary>
/// Where a scenario's own deployments land: the measured pods are bound where <see cref="ClusterLayout"/> puts
/// them, a deployment with <c>nodes:</c> is bound round robin to those nodes (spec.nodeName, as before), and every
/// other replica is placed by <see cref="KubeScheduler"/> over nodes built from the cluster keys. The tie-breaks
/// draw from the scenario seed's "kube-scheduler" stream, so validate, describe, every variant and every
/// replication see one placement.
/// </summary>
public static class ScenarioPlacement
{
    /// <summary>The kubelet's default hard eviction threshold, memory.available &lt; 100Mi (pkg/kubelet/eviction): allocatable is capacity less it.</summary>
    public const long EvictionHardMemory = 100L * 1024 * 1024;

    /// <summary>Derived default: 4 GiB per core (general-purpose instances: AWS m5/m6i, GCP n2-standard).</summary>
    public const double GiBPerCore = ClusterSpec.DefaultGiBPerCore;

    public static IReadOnlyList<SchedulingNode> Nodes(ClusterSpec c)
    {
        long memory = (long)(c.NodeMemoryGiB * 1024 * 1024 * 1024) - EvictionHardMemory;
        var allocatable = new NodeAllocatable(c.CoresPerNode * 1000L, Math.Max(0, memory), c.PodsPerNode);
        return Enumerable.Range(1, c.Nodes).Select(n => SchedulingNode.Create(
            $"node{n}", allocatable,
            c.Zones > 0 ? $"zone-{((n - 1) % c.Zones) + 1}" : null,
            c.NodeTaints.GetValueOrDefault(n),
            c.NodeLabels.GetValueOrDefault(n))).ToList();
    }

    /// <summary>
    /// Whether the scenario uses a placement key (zones, node labels or taints, a deployment's nodeSelector,
    /// requests, antiAffinity or tolerations): only then are its deployments scheduled; otherwise they keep the
    /// shared round robin (which spreads equal pods over equal nodes as LeastAllocated does, at any scale).
    /// </summary>
    public static bool UsesScheduler(Scenario s) =>
        s.Cluster.Zones > 0 || s.Cluster.NodeLabels.Count > 0 || s.Cluster.NodeTaints.Count > 0
        || s.Deployments.Any(d => d.NodeSelector.Count > 0 || d.Requests != default || d.AntiAffinityKey is not null || d.Tolerations.Count > 0);

    public static IReadOnlyList<DeploymentPod> Place(Scenario s)
    {
        var scheduler = new KubeScheduler(Nodes(s.Cluster), new RngStreams(s.Seed).Create("kube-scheduler"));
        for (int i = 0; i < ClusterLayout.PodNames.Count; i++)
        {
            string name = ClusterLayout.PodNames[i];
            _ = scheduler.Bind(new SchedulingPod(name) { Labels = MeasuredLabels(name) }, $"node{ClusterLayout.MeasuredPodNodes[i]}");
        }

        var pods = new List<DeploymentPod>();
        for (int d = 0; d < s.Deployments.Count; d++)
        {
            var dep = s.Deployments[d];
            var spec = Pod(dep);
            for (int c = 0; c < dep.Count; c++)
            {
                string stamp = dep.Count > 1 ? $"{dep.Name}-{c}" : dep.Name;
                for (int r = 0; r < dep.Replicas; r++)
                {
                    var pod = spec with { Name = $"{stamp}-{r}" };
                    var placement = dep.Nodes.Count > 0 ? scheduler.Bind(pod, $"node{dep.Nodes[r % dep.Nodes.Count]}") : scheduler.Schedule(pod);
                    pods.Add(new DeploymentPod(d, stamp, r, pod.Name, placement));
                }
            }
        }

        return pods;
    }

    /// <summary>A deployment's pod template as the scheduler reads it; its labels are its ReplicaSet's selector (the default spread's).</summary>
    public static SchedulingPod Pod(DeploymentSpec dep)
    {
        var own = LabelSelector.Of(dep.Labels);
        return new SchedulingPod(dep.Name)
        {
            Labels = dep.Labels,
            Containers = [dep.Requests],
            NodeSelector = dep.NodeSelector,
            Tolerations = dep.Tolerations,
            RequiredPodAntiAffinity = dep.AntiAffinityKey is { } key && dep.Labels.Count > 0 ? [new PodAffinityTerm(own, key)] : [],
            DefaultSpreadSelector = dep.Labels.Count > 0 ? own : null,
        };
    }

    private static IReadOnlyDictionary<string, string> MeasuredLabels(string name) => name switch
    {
        ClusterLayout.Client => ClusterLayout.ClientLabels,
        ClusterLayout.LocalServer => ClusterLayout.ServerLabels,
        ClusterLayout.RemoteServer => ClusterLayout.RemoteSelector,
        _ => ClusterLayout.KubeDnsSelector,
    };
}
