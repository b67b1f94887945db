namespace NetPerf.Kubernetes.Services;

/// <summary>spec.internalTrafficPolicy of a Service (KEP-2086, GA in 1.26): which endpoints traffic from inside the cluster may use.</summary>
public enum InternalTrafficPolicy
{
    /// <summary>Any endpoint in the cluster (the default).</summary>
    Cluster,

    /// <summary>Only endpoints on the client's own node; on a node without one kube-proxy drops the traffic ("has no local endpoints").</summary>
    Local,
}
