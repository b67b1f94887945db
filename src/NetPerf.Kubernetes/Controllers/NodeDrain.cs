using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Controllers;

/// <summary>
/// kubectl drain (staging/src/k8s.io/kubectl/pkg/drain): cordon the node (spec.unschedulable), then evict every pod
/// on it through the Eviction API, all at once. An eviction is a graceful delete: each pod terminates as on
/// kubectl delete pod (its EndpointSlice entry terminating at once, kube-proxy's rules dropping it at its next
/// sync, preStop, SIGTERM within the grace period), and its ReplicaSet replaces it on a node that is still
/// schedulable. Not modelled: PodDisruptionBudgets (an eviction they refuse is retried by kubectl every 5 s),
/// DaemonSet pods (drain skips them with --ignore-daemonsets), and the pods that are not a Deployment's.
/// </summary>
public static class NodeDrain
{
    /// <summary>Drains node <paramref name="node"/>, now; returns the pods it evicted, in the deployments' order.</summary>
    public static IReadOnlyList<Pod> Drain(KubernetesCluster cluster, IEnumerable<Deployment> deployments, int node)
    {
        var target = cluster.Node(node);
        target.Unschedulable = true;
        var evicted = new List<Pod>();
        foreach (var deployment in deployments)
        {
            foreach (var pod in deployment.Pods.Where(p => p.Node == target && !p.Terminating).ToList())
            {
                deployment.Delete(pod);
                evicted.Add(pod);
            }
        }

        return evicted;
    }
}
