namespace NetPerf.Kubernetes.Services;

/// <summary>
/// spec.trafficDistribution of a Service (KEP-4444: PreferClose beta in 1.31, GA in 1.33; KEP-3015's
/// PreferSameZone and PreferSameNode beta in 1.34, PreferClose then an alias of PreferSameZone). The
/// EndpointSlice controller turns it into hints (staging/src/k8s.io/endpointslice/trafficdist): each ready
/// endpoint hinted for its own zone, and with PreferSameNode for its own node too; kube-proxy uses the hints
/// (pkg/proxy/topology.go).
/// </summary>
public enum TrafficDistribution
{
    /// <summary>Not set: no hints, every endpoint in the cluster.</summary>
    Default,

    /// <summary>Endpoints in the client node's zone when that zone has one; otherwise every endpoint.</summary>
    PreferClose,

    /// <summary>As PreferClose (its 1.34 name).</summary>
    PreferSameZone,

    /// <summary>Endpoints on the client's node when it has one; otherwise as PreferSameZone.</summary>
    PreferSameNode,
}
