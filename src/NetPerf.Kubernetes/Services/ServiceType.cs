namespace NetPerf.Kubernetes.Services;

/// <summary>spec.type of a Service: each adds a way in on top of the one before.</summary>
public enum ServiceType
{
    /// <summary>A virtual IP inside the cluster only.</summary>
    ClusterIP,

    /// <summary>Also a port on every node's addresses.</summary>
    NodePort,

    /// <summary>Also an external IP, delivered by a load balancer (to the NodePorts, or to the nodes themselves).</summary>
    LoadBalancer,
}
