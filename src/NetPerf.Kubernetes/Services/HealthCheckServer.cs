using NetPerf.Kubernetes.Cluster;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Services;

/// <summary>
/// One of kube-proxy's HTTP health check servers on one node: the proxy's own /healthz (port 10256, always
/// healthy here) or a Service's healthCheckNodePort (pkg/proxy/healthcheck/service_health.go), which answers
/// 200 where the node has a local endpoint and 503 where it has none. Packets carry sizes, not bytes, so the
/// status travels beside the response: a checker reads <see cref="Status"/> when the response has arrived.
/// </summary>
public sealed class HealthCheckServer : ITcpApplication
{
    /// <summary>An HTTP GET /healthz with a load balancer's usual headers (about 100 bytes).</summary>
    public const int RequestBytes = 100;

    /// <summary>Status line, headers and kube-proxy's JSON body (<c>{"service":{...},"localEndpoints":1,...}</c>), about 250 bytes.</summary>
    public const int ResponseBytes = 250;

    private readonly Dictionary<TcpSocket, long> _received = [];
    private readonly Func<int> _localEndpoints;

    internal HealthCheckServer(Node node, ushort port, Func<int> localEndpoints)
    {
        Node = node;
        Port = port;
        _localEndpoints = localEndpoints;
        _ = new TcpListener(node.Root, port, this);
    }

    public Node Node { get; }
    public ushort Port { get; }

    /// <summary>What the next answer says: 200 OK, or 503 Service Unavailable (no local endpoint).</summary>
    public int Status => _localEndpoints() > 0 ? 200 : 503;

    /// <summary>Requests answered so far.</summary>
    public int Answered { get; private set; }

    public void OnConnected(TcpSocket socket) => _received[socket] = 0;

    public void OnReceived(TcpSocket socket, long bytes)
    {
        long total = _received[socket] += bytes;
        if (total >= RequestBytes && total - bytes < RequestBytes)
        {
            Answered++;
            socket.Send(ResponseBytes);
            socket.Close(); // Connection: close
        }
    }

    public void OnPeerClosed(TcpSocket socket) => socket.Close();

    public void OnClosed(TcpSocket socket) => _received.Remove(socket);
}
