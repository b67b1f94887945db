namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// One pod's result: the node it was bound to (null when Pending) and, unless it runs, the message a user would
/// read in <c>kubectl describe pod</c>'s events (FailedScheduling's, in kube-scheduler's words).
/// </summary>
public sealed record PodPlacement(SchedulingPod Pod, string? Node, PlacementOutcome Outcome, string? Message)
{
    public bool IsRunning => Outcome == PlacementOutcome.Running;
}
