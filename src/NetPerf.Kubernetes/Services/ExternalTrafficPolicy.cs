namespace NetPerf.Kubernetes.Services;

/// <summary>externalTrafficPolicy of a NodePort or LoadBalancer Service.</summary>
public enum ExternalTrafficPolicy
{
    /// <summary>Any node forwards to any endpoint, and masquerades every external packet to its own address.</summary>
    Cluster,

    /// <summary>Only endpoints on the receiving node, no SNAT (the client's address is kept); nodes without one drop the traffic.</summary>
    Local,
}
