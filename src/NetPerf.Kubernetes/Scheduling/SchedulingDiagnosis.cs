using System.Globalization;

namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// framework.Diagnosis and FitError.Error() (pkg/scheduler/framework/types.go): every node's refusal counted by
/// reason, "count reason" strings sorted as Go's sort.Strings sorts them (byte order, so "10 x" before "2 y"),
/// joined by ", ", each part ending with "." (SeparatorFormat " %v."); then the PostFilter's (default preemption's)
/// message, itself a FitError over the nodes preemption looked at, appended as it is (" %v"): one dot at the end in
/// v1.34 (releases before 1.30 appended it with " %v." and printed two).
/// </summary>
internal static class SchedulingDiagnosis
{
    public static string Message(IReadOnlyList<FilterStatus> statuses)
    {
        int nodes = statuses.Count;
        var filters = Histogram(statuses.SelectMany(s => s.Reasons));

        // DefaultPreemption: a node refused as UnschedulableAndUnresolvable is no candidate; on every other node
        // SelectVictimsOnNode finds no pod of lower priority to evict (all of NetPerf's pods have priority 0).
        var preemption = Histogram(statuses.Select(s => s.Unresolvable ? SchedulerMessages.PreemptionNotHelpful : SchedulerMessages.NoPreemptionVictims));
        string inner = FitError(nodes, preemption);
        return FitError(nodes, filters) + " " + SchedulerMessages.PreemptionPrefix + inner;
    }

    private static string FitError(int nodes, string histogram) =>
        string.Format(CultureInfo.InvariantCulture, SchedulerMessages.NoNodeAvailable, nodes) + (histogram.Length > 0 ? " " + histogram + "." : "");

    private static string Histogram(IEnumerable<string> reasons)
    {
        var parts = reasons.GroupBy(r => r, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} {g.Key}"))
            .ToList();
        parts.Sort(StringComparer.Ordinal);
        return string.Join(", ", parts);
    }
}
