namespace NetPerf.Kubernetes.Scheduling;

/// <summary>Where a pod ended up after scheduling and the CNI's ADD.</summary>
public enum PlacementOutcome
{
    /// <summary>Bound to a node and given an address.</summary>
    Running,

    /// <summary>No node passed the filters: PodScheduled=False, reason Unschedulable, with the scheduler's message.</summary>
    Pending,

    /// <summary>Bound, but the CNI plugin's IPAM had no address for it: the kubelet's FailedCreatePodSandBox, retried forever.</summary>
    ContainerCreating,
}
