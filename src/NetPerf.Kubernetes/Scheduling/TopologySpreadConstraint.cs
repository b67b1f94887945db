namespace NetPerf.Kubernetes.Scheduling;

/// <summary>
/// A pod's topologySpreadConstraint: at most <see cref="MaxSkew"/> more matching pods in one value of
/// <see cref="TopologyKey"/> than in the emptiest. DoNotSchedule is a filter; ScheduleAnyway a score.
/// nodeAffinityPolicy Honor and nodeTaintsPolicy Ignore (the defaults) are what the domains follow; minDomains
/// and matchLabelKeys are not modelled.
/// </summary>
public sealed record TopologySpreadConstraint(int MaxSkew, string TopologyKey, bool DoNotSchedule, LabelSelector Selector);
