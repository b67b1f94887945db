namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// A filter plugin's refusal of one node: its reasons (each counted in the message's histogram) and whether
/// preemption could help (Unschedulable) or not (UnschedulableAndUnresolvable).
/// </summary>
internal readonly record struct FilterStatus(bool Unresolvable, IReadOnlyList<string> Reasons)
{
    public static FilterStatus Unschedulable(params string[] reasons) => new(false, reasons);

    public static FilterStatus UnschedulableAndUnresolvable(params string[] reasons) => new(true, reasons);
}
