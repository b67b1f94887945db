namespace NetPerf.Kubernetes.Policy;

/// <summary>spec.policyTypes: which directions a policy isolates the pods it selects in.</summary>
[Flags]
public enum NetworkPolicyTypes
{
    /// <summary>What a selected pod accepts (the default when a policy has no egress rules).</summary>
    Ingress = 1,

    /// <summary>What a selected pod may send (the API server adds it when a policy has egress rules).</summary>
    Egress = 2,
}
