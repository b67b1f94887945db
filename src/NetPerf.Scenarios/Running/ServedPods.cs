using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Transport.Tcp;
using NetPerf.Workloads.Tcp;
using NetPerf.Workloads.Udp;

namespace NetPerf.Scenarios.Running;

/// <summary>
/// A workload served by a Service's pods (its <c>service</c> key): a server process in every pod the Service
/// selects, started with the pod's containers and told to stop at SIGTERM. The servers close their listening
/// socket on SIGTERM, as Go's http.Server.Shutdown and most servers do: from then on a SYN that kube-proxy's
/// rules still send to the pod is answered with a RST (connection refused), while the connections it accepted
/// finish. A UDP server's process exits at SIGTERM and closes its socket.
/// </summary>
internal static class ServedPods
{
    public static void Attach(ClusterBuild build, TcpRequestResponse workload, Service service, Pod first) =>
        Attach(build, service, first, workload.Listener, pod => workload.AddServer(pod.Namespace), listener => listener.StopListening());

    /// <summary>
    /// A UDP server (UDP_RR's responder) in each pod: at SIGTERM the process exits and its socket is closed, so a
    /// datagram that still reaches the pod finds no socket and is dropped (__udp4_lib_rcv: SKB_DROP_REASON_NO_SOCKET).
    /// </summary>
    public static void Attach(ClusterBuild build, UdpRequestResponse workload, Service service, Pod first) =>
        Attach(build, service, first, workload.Server, pod => workload.AddServer(pod.Namespace, pod.Ip), socket => socket.Close());

    private static void Attach<TServer>(ClusterBuild build, Service service, Pod first, TServer firstServer, Func<Pod, TServer> start, Action<TServer> stop)
    {
        var servers = new Dictionary<Pod, TServer> { [first] = firstServer };
        bool Selected(Pod p) => service.Selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
        foreach (var pod in service.Endpoints(build.Cluster).Where(p => p != first))
        {
            servers[pod] = start(pod);
        }

        foreach (var deployment in build.Deployments.Values)
        {
            deployment.ContainersStarted += pod =>
            {
                if (Selected(pod) && !servers.ContainsKey(pod))
                {
                    servers[pod] = start(pod);
                }
            };
            deployment.ContainersStopping += pod =>
            {
                if (servers.Remove(pod, out var server))
                {
                    stop(server);
                }
            };
        }
    }
}
