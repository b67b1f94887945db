using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Policy;

/// <summary>What renders NetworkPolicies into a node's data plane for a plugin (Calico's felix, for one), and its name for describe.</summary>
public sealed record PolicyEngine(string Name, Func<KubernetesCluster, IPolicyRenderer> Create);
