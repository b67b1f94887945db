using System.Security.Cryptography;
using System.Text;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.LoadBalancing;

/// <summary>
/// MetalLB in layer-2 mode: a LoadBalancer IP from the nodes' own subnet, delivered to the nodes rather than to
/// a box in front of them. One node's speaker answers ARP for the IP (from user space; modelled as a proxy
/// neighbour entry on its eth0), so every packet for it arrives at that node, where kube-proxy's rules for the
/// LoadBalancer IP take over. The node is elected as MetalLB's speakers do (speaker/layer2_controller.go):
/// among the usable nodes (with externalTrafficPolicy Local, only those with a ready local endpoint), the first
/// by SHA-256 of "node#ip". Failover (a gratuitous ARP when the node leaves) is not modelled.
/// </summary>
public sealed class MetalLbL2(KubernetesCluster cluster)
{
    private readonly Dictionary<Ipv4Address, Node> _announcers = [];

    public KubernetesCluster Cluster { get; } = cluster.Fabric is null ? cluster : throw new NotSupportedException(
        $"MetalLB's layer-2 mode answers ARP on one L2 segment, and this cluster's nodes are on {cluster.Options.Racks} racks' subnets: build it with one rack (BGP mode is not modelled).");

    /// <summary>Announces the Service's LoadBalancer IP from its elected node; returns that node.</summary>
    public Node Announce(Service service)
    {
        if (service.LoadBalancerIp is not { } ip)
        {
            throw new ArgumentException($"Service {service.Name} has no LoadBalancer IP to announce.", nameof(service));
        }

        if (!Cluster.NodeSubnet.Contains(ip))
        {
            throw new ArgumentException(
                $"{ip} is outside the nodes' subnet {Cluster.NodeSubnet}: layer-2 mode can only announce addresses of the nodes' own segment.", nameof(service));
        }

        var usable = service.ExternalTrafficPolicy == ExternalTrafficPolicy.Local
            ? service.Endpoints(Cluster).Select(p => p.Node).Distinct().ToList()
            : [.. Cluster.Nodes];
        if (usable.Count == 0)
        {
            throw new InvalidOperationException($"Service {service.Name} has externalTrafficPolicy Local and no ready endpoint: no node may announce {ip}.");
        }

        var node = usable.OrderBy(n => ElectionKey(n, ip), StringComparer.Ordinal).First();
        if (_announcers.TryGetValue(ip, out var previous))
        {
            previous.Eth0.RemoveProxyNeighbour(ip);
        }

        node.Eth0.AddProxyNeighbour(ip);
        _announcers[ip] = node;
        return node;
    }

    /// <summary>The node answering ARP for <paramref name="ip"/>, if announced.</summary>
    public Node? Announcer(Ipv4Address ip) => _announcers.GetValueOrDefault(ip);

    private static string ElectionKey(Node node, Ipv4Address ip) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{node.Name}#{ip}")));
}
