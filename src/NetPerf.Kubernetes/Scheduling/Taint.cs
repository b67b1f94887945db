namespace NetPerf.Kubernetes.Scheduling;

/// <summary>A node taint: key, value (may be empty) and effect.</summary>
public sealed record Taint(string Key, string Value, TaintEffect Effect);
