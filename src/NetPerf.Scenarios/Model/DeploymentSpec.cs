namespace NetPerf.Scenarios.Model;

/// <summary>
/// Pods the scenario adds beside the measured ones: replicas spread round robin over the given nodes. With
/// <see cref="Count"/> above 1 the deployment is stamped out that many times (name-0, name-1, ..., as a Service's
/// count does), with the same labels, the round robin continuing from one to the next so the nodes fill evenly.
/// </summary>
public sealed record DeploymentSpec(string Name, int Replicas, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<int> Nodes)
{
    public int Count { get; init; } = 1;

    /// <summary>Every pod of the stamped deployments: replicas x count.</summary>
    public long Pods => (long)Replicas * Count;
}
