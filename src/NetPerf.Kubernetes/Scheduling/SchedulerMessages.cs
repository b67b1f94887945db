namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// kube-scheduler v1.34's words, as its plugins and framework write them (kubernetes/kubernetes, release-1.34):
/// each constant names the file it comes from.
/// </summary>
public static class SchedulerMessages
{
    /// <summary>pkg/scheduler/framework/types.go: NoNodeAvailableMsg ("0/%v nodes are available").</summary>
    public const string NoNodeAvailable = "0/{0} nodes are available:";

    /// <summary>pkg/scheduler/schedule_one.go: ErrNoNodesAvailable.</summary>
    public const string NoNodesAvailable = "no nodes available to schedule pods";

    /// <summary>plugins/nodeunschedulable/node_unschedulable.go: ErrReasonUnschedulable (spec.unschedulable: a cordoned node).</summary>
    public const string NodeUnschedulable = "node(s) were unschedulable";

    /// <summary>plugins/nodeaffinity/node_affinity.go: ErrReasonPod.</summary>
    public const string NodeAffinityMismatch = "node(s) didn't match Pod's node affinity/selector";

    /// <summary>plugins/tainttoleration/taint_toleration.go: Filter's reason, the first untolerated taint's key and value.</summary>
    public const string UntoleratedTaint = "node(s) had untolerated taint {{{0}: {1}}}";

    /// <summary>plugins/noderesources/fit.go: fitsRequest's reasons.</summary>
    public const string TooManyPods = "Too many pods";
    public const string InsufficientCpu = "Insufficient cpu";
    public const string InsufficientMemory = "Insufficient memory";

    /// <summary>plugins/podtopologyspread/filtering.go: ErrReasonConstraintsNotMatch, ErrReasonNodeLabelNotMatch.</summary>
    public const string SpreadConstraintsMismatch = "node(s) didn't match pod topology spread constraints";
    public const string SpreadMissingLabel = SpreadConstraintsMismatch + " (missing required label)";

    /// <summary>plugins/interpodaffinity/filtering.go: ErrReasonAffinityRulesNotMatch, ErrReasonAntiAffinityRulesNotMatch, ErrReasonExistingAntiAffinityRulesNotMatch.</summary>
    public const string AffinityMismatch = "node(s) didn't match pod affinity rules";
    public const string AntiAffinityMismatch = "node(s) didn't match pod anti-affinity rules";
    public const string ExistingAntiAffinityMismatch = "node(s) didn't satisfy existing pods anti-affinity rules";

    /// <summary>
    /// framework/preemption/preemption.go: a node whose filter status is UnschedulableAndUnresolvable is not a
    /// candidate (SetAbsentNodesStatus).
    /// </summary>
    public const string PreemptionNotHelpful = "Preemption is not helpful for scheduling";

    /// <summary>
    /// plugins/defaultpreemption/default_preemption.go SelectVictimsOnNode: a candidate node without a pod of lower
    /// priority than the incoming one (NetPerf's pods all have priority 0, so never one).
    /// </summary>
    public const string NoPreemptionVictims = "No preemption victims found for incoming pod";

    /// <summary>plugins/defaultpreemption/default_preemption.go PostFilter: the prefix of the preemption's own FitError.</summary>
    public const string PreemptionPrefix = "preemption: ";
}
