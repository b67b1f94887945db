namespace NetPerf.Kubernetes.Scheduling;

/// <summary>A node's status.allocatable as the scheduler reads it: cpu in millicores, memory in bytes, pods.</summary>
public readonly record struct NodeAllocatable(long MilliCpu, long MemoryBytes, int Pods)
{
    /// <summary>The kubelet's --max-pods default (pkg/kubelet/apis/config/v1beta1 defaults.go: MaxPods 110).</summary>
    public const int KubeletMaxPods = 110;

    /// <summary>
    /// Pods per node as the kubelet reports them with --pods-per-core=<paramref name="podsPerCore"/>:
    /// min(podsPerCore x cores, max-pods) (pkg/kubelet/nodestatus/setters.go, MachineInfo). The kubelet's own
    /// default podsPerCore is 0 (no per-core bound, so 110); issue 12 asks for 10 per core.
    /// </summary>
    public static int PodsFor(int cores, int podsPerCore = 10, int maxPods = KubeletMaxPods) =>
        podsPerCore > 0 ? Math.Min(cores * podsPerCore, maxPods) : maxPods;
}
