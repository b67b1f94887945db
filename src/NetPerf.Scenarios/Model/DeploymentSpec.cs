namespace NetPerf.Scenarios.Model;

/// <summary>Pods the scenario adds beside the measured ones: replicas spread round robin over the given nodes.</summary>
public sealed record DeploymentSpec(string Name, int Replicas, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<int> Nodes);
