using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// One endpoint of an EndpointSlice (discovery.k8s.io/v1) with its conditions as the EndpointSlice controller
/// sets them (pkg/controller/util/endpointslice): <c>ready</c> = the pod is Ready and not terminating;
/// <c>serving</c> = the pod is Ready, terminating or not; <c>terminating</c> = the pod has a deletionTimestamp.
/// </summary>
public readonly record struct SliceEndpoint(Pod Pod, bool Ready, bool Serving, bool Terminating)
{
    public static SliceEndpoint Of(Pod pod) => new(pod, pod.Ready && !pod.Terminating, pod.Ready, pod.Terminating);

    /// <summary>
    /// The endpoints kube-proxy sends new connections to (pkg/proxy/topology.go CategorizeEndpoints): the ready
    /// ones; only when none is ready, the serving terminating ones (KEP-1669, ProxyTerminatingEndpoints, GA in
    /// 1.28), so that a Service whose every pod is shutting down still answers while they drain.
    /// </summary>
    public static IReadOnlyList<Pod> Usable(IReadOnlyList<SliceEndpoint> slice)
    {
        var ready = slice.Where(e => e.Ready).Select(e => e.Pod).ToList();
        return ready.Count > 0 ? ready : [.. slice.Where(e => e.Serving && e.Terminating).Select(e => e.Pod)];
    }
}
