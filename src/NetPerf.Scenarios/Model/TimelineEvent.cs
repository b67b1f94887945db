using NetPerf.Engine.Time;

namespace NetPerf.Scenarios.Model;

/// <summary>What a timeline entry does to the cluster, as kubectl would ask for it.</summary>
public enum TimelineAction
{
    /// <summary>kubectl rollout restart deployment: a new revision rolled out by its maxSurge and maxUnavailable.</summary>
    Roll,

    /// <summary>kubectl scale deployment --replicas.</summary>
    Scale,

    /// <summary>kubectl delete pod: it terminates (preStop, SIGTERM) and its ReplicaSet replaces it.</summary>
    DeletePod,

    /// <summary>kubectl drain node: cordoned, then every deployment's pod on it evicted (terminating gracefully) and replaced elsewhere.</summary>
    DrainNode,

    /// <summary>kubectl uncordon node: schedulable again; kube-scheduler places the replicas it left Pending there.</summary>
    UncordonNode,

    /// <summary>A node fails hard (power lost): its pods stop answering; the node lifecycle controller follows after its grace period.</summary>
    FailNode,

    /// <summary>kubectl apply of a NetworkPolicy held back until then: the plugin's policy engine renders it as it would a policy present from the start.</summary>
    AddNetworkPolicy,

    /// <summary>kubectl delete networkpolicy: the engine renders the remaining policies.</summary>
    RemoveNetworkPolicy,

    /// <summary>kubectl delete service: kube-proxy takes its rules out at its next sync.</summary>
    RemoveService,

    /// <summary>kubectl apply of a Service held back until then: its EndpointSlice at once, kube-proxy's rules at its next sync.</summary>
    AddService,

    /// <summary>
    /// kubectl patch service of spec.externalTrafficPolicy (Cluster or Local) on a NodePort or LoadBalancer
    /// Service: kube-proxy rewrites its chains at its next sync.
    /// </summary>
    SetExternalTrafficPolicy,

    /// <summary>A workload's client begins sending (it has sent nothing before; no warm-up of its own).</summary>
    StartWorkload,

    /// <summary>A workload's client stops sending: what is in flight is answered, its connections closed.</summary>
    StopWorkload,
}

/// <summary>The actions' names as a scenario writes them, in the schema's order.</summary>
public static class TimelineActions
{
    public static readonly IReadOnlyList<(TimelineAction Action, string Name)> All =
        [(TimelineAction.Roll, "roll"), (TimelineAction.Scale, "scale"), (TimelineAction.DeletePod, "deletePod"), (TimelineAction.DrainNode, "drainNode"), (TimelineAction.UncordonNode, "uncordonNode"), (TimelineAction.FailNode, "failNode"),
         (TimelineAction.AddNetworkPolicy, "addNetworkPolicy"), (TimelineAction.RemoveNetworkPolicy, "removeNetworkPolicy"),
         (TimelineAction.AddService, "addService"), (TimelineAction.RemoveService, "removeService"),
         (TimelineAction.SetExternalTrafficPolicy, "setExternalTrafficPolicy"), (TimelineAction.StartWorkload, "startWorkload"), (TimelineAction.StopWorkload, "stopWorkload")];

    public static readonly IReadOnlyList<string> Names = [.. All.Select(a => a.Name)];

    public static TimelineAction Parse(string name) => All.First(a => a.Name == name).Action;

    public static string Name(this TimelineAction action) => All.First(a => a.Action == action).Name;
}

/// <summary>
/// One entry of a scenario's timeline: at <see cref="At"/> after the warm-up (the measured window's time, as
/// timeseries.csv's start_ms counts it), <see cref="Action"/> on <see cref="Target"/> (a deployment's name, a
/// pod's for deletePod, a node's for drainNode, uncordonNode and failNode, a NetworkPolicy's for add/removeNetworkPolicy, a Service's for addService, removeService and setExternalTrafficPolicy, a workload's for start/stopWorkload).
/// </summary>
public sealed record TimelineEvent(SimTime At, TimelineAction Action, string Target)
{
    /// <summary>scale's new replica count.</summary>
    public int Replicas { get; init; }

    /// <summary>drainNode's, uncordonNode's or failNode's node, 1-based.</summary>
    public int Node { get; init; }

    /// <summary>setExternalTrafficPolicy's new policy.</summary>
    public Kubernetes.Services.ExternalTrafficPolicy ExternalTrafficPolicy { get; init; }

    /// <summary>The entry's index in the file's timeline (the list is sorted by time), for errors at its line.</summary>
    public int Entry { get; init; }

    /// <summary>How the entry reads in the report and on the plot: "roll shop", "scale shop to 4", "setExternalTrafficPolicy web to Local".</summary>
    public string Label => $"{Action.Name()} {Object}";

    /// <summary>What the entry acts on, as timeline.csv's object column gives it: "shop", "shop to 4", "web to Local".</summary>
    public string Object => Action switch
    {
        TimelineAction.Scale => $"{Target} to {Replicas}",
        TimelineAction.SetExternalTrafficPolicy => $"{Target} to {ExternalTrafficPolicy}",
        _ => Target,
    };
}
