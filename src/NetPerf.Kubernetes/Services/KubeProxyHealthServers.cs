using NetPerf.Kubernetes.Cluster;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// kube-proxy's health check servers on every node, whatever its mode: the proxy's /healthz on 10256
/// (--healthz-bind-address's default port) and, for each LoadBalancer Service with externalTrafficPolicy Local,
/// one on its healthCheckNodePort that reports whether the node has a local endpoint. Load balancers in front
/// of the nodes poll them.
/// </summary>
public sealed class KubeProxyHealthServers
{
    /// <summary>kube-proxy's --healthz-bind-address default, 0.0.0.0:10256.</summary>
    public const ushort ProxyHealthzPort = 10256;

    private readonly Dictionary<Node, HealthCheckServer> _proxy = [];
    private readonly Dictionary<Service, Dictionary<Node, HealthCheckServer>> _services = [];

    public KubeProxyHealthServers(KubernetesCluster cluster)
    {
        Cluster = cluster;
        foreach (var node in cluster.Nodes)
        {
            _proxy[node] = new HealthCheckServer(node, ProxyHealthzPort, static () => 1);
        }
    }

    public KubernetesCluster Cluster { get; }

    /// <summary>The proxy's own /healthz on <paramref name="node"/>.</summary>
    public HealthCheckServer Proxy(Node node) => _proxy[node];

    /// <summary>
    /// Starts the healthCheckNodePort servers of a Local LoadBalancer Service (once), each counting the endpoints
    /// its selector matches on its node when asked.
    /// </summary>
    public IReadOnlyDictionary<Node, HealthCheckServer> Serve(Service service)
    {
        if (_services.TryGetValue(service, out var servers))
        {
            return servers;
        }

        if (service.ExternalTrafficPolicy != ExternalTrafficPolicy.Local || service.HealthCheckNodePort is not { } port)
        {
            throw new ArgumentException(
                $"Service {service.Name} has no healthCheckNodePort: only LoadBalancer Services with externalTrafficPolicy Local get one.", nameof(service));
        }

        servers = [];
        foreach (var node in Cluster.Nodes)
        {
            servers[node] = new HealthCheckServer(node, port, () => service.Endpoints(Cluster).Count(p => p.Node == node));
        }

        _services[service] = servers;
        return servers;
    }
}
