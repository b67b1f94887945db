using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Transport.Tcp;
using NetPerf.Workloads.Tcp;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// A workload served by a Service's pods (its <c>service</c> key): a server process in every pod the Service
/// selects, started with the pod's containers and told to stop at SIGTERM. The servers close their listening
/// socket on SIGTERM, as Go's http.Server.Shutdown and most servers do: from then on a SYN that kube-proxy's
/// rules still send to the pod is answered with a RST (connection refused), while the connections it accepted
/// finish.
/// </summary>
internal static class ServedPods
{
    public static void Attach(ClusterBuild build, TcpRequestResponse workload, Service service, Pod first)
    {
        var listeners = new Dictionary<Pod, TcpListener> { [first] = workload.Listener };
        bool Selected(Pod p) => service.Selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
        foreach (var pod in service.Endpoints(build.Cluster).Where(p => p != first))
        {
            listeners[pod] = workload.AddServer(pod.Namespace);
        }

        foreach (var deployment in build.Deployments.Values)
        {
            deployment.ContainersStarted += pod =>
            {
                if (Selected(pod) && !listeners.ContainsKey(pod))
                {
                    listeners[pod] = workload.AddServer(pod.Namespace);
                }
            };
            deployment.ContainersStopping += pod =>
            {
                if (listeners.TryGetValue(pod, out var listener))
                {
                    listener.StopListening();
                }
            };
        }
    }
}
