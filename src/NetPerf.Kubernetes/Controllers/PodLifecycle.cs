using NetPerf.Engine.Time;

namespace NetPerf.Kubernetes.Controllers;

/// <summary>
/// What a Deployment's pod template says about starting and stopping: how long until the readiness probe first
/// passes, the preStop hook's sleep, and terminationGracePeriodSeconds.
/// </summary>
public sealed record PodLifecycle
{
    /// <summary>From creation to Ready (container start plus initialDelaySeconds and the first probe); 0: Ready at once.</summary>
    public SimTime ReadinessDelay { get; init; }

    /// <summary>lifecycle.preStop sleep: the kubelet runs it before it sends SIGTERM; 0: no hook.</summary>
    public SimTime PreStopSleep { get; init; }

    /// <summary>terminationGracePeriodSeconds: 30 s by default (core/v1 PodSpec); the preStop hook counts against it.</summary>
    public SimTime TerminationGracePeriod { get; init; } = DefaultTerminationGracePeriod;

    public static readonly SimTime DefaultTerminationGracePeriod = SimTime.FromSeconds(30);

    /// <summary>
    /// From SIGTERM until the pod object is deleted: the server stops listening at SIGTERM and exits, and the
    /// kubelet notices the exit at its next PLEG relist (pkg/kubelet/pleg/generic.go, relistPeriod 1 s) before it
    /// asks the API server to delete the pod. Derived: a server that exits at once on SIGTERM.
    /// </summary>
    public static readonly SimTime ExitNoticed = SimTime.FromSeconds(1);
}
