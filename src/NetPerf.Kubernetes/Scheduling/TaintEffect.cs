namespace NetPerf.Kubernetes.Scheduling;

/// <summary>A taint's effect (core/v1 TaintEffect). NoSchedule and NoExecute keep pods off in the filter; PreferNoSchedule only lowers the score.</summary>
public enum TaintEffect
{
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}
