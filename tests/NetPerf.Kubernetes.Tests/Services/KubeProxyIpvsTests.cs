using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

public class KubeProxyIpvsTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address WebIp = Ipv4Address.Parse("10.96.0.10");

    private sealed class Counter : ITcpApplication
    {
        public long Received { get; private set; }
        public int Connections { get; private set; }
        public void OnConnected(TcpSocket socket) => Connections++;
        public void OnReceived(TcpSocket socket, long bytes) => Received += bytes;
        public void OnPeerClosed(TcpSocket socket) => socket.Close();
        public void OnClosed(TcpSocket socket) { }
    }

    private sealed class Writer(bool close = true) : ITcpApplication
    {
        public void OnConnected(TcpSocket socket)
        {
            socket.Send(100);
            if (close)
            {
                socket.Close();
            }
        }

        public void OnReceived(TcpSocket socket, long bytes) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
    }

    private static (KubernetesCluster Cluster, Pod Client, List<Counter> Servers) Build(string cni, int otherServices, CostTable? costs = null)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, Costs = costs ?? CostTable.Default() }, CniPlugin.ByName(cni));
        var client = cluster.AddPod("client", 1);
        var servers = new List<Counter>();
        for (int n = 1; n <= 3; n++)
        {
            var counter = new Counter();
            _ = new TcpListener(cluster.AddPod($"web-{n}", n, Web).Namespace, 8080, counter);
            servers.Add(counter);
        }

        var proxy = new KubeProxyIpvs(cluster);
        for (int i = 0; i < otherServices; i++)
        {
            proxy.Add(new Service($"other-{i}", Ipv4Address.Parse($"10.97.{i / 250}.{(i % 250) + 1}"), 80, 8080, IpProtocol.Tcp, Web));
        }

        proxy.Add(new Service("web", WebIp, 80, 8080, IpProtocol.Tcp, Web));
        return (cluster, client, servers);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("calico-bgp")]
    public void Round_robin_gives_each_endpoint_exactly_its_turn_and_replies_come_back_from_the_Service_IP(string cni)
    {
        var (cluster, client, servers) = Build(cni, otherServices: 0);
        var sockets = Enumerable.Range(0, 300).Select(_ => TcpSocket.Connect(client.Namespace, WebIp, 80, new Writer())).ToList();
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(50));

        Assert.All(servers, s => Assert.Equal(100, s.Connections));
        Assert.Equal(300 * 100, servers.Sum(s => s.Received));
        Assert.All(sockets, s => Assert.Equal(0, s.Statistics.ForeignSegments));
    }

    [Fact]
    public void A_new_connections_CPU_does_not_grow_with_the_number_of_Services()
    {
        // The client node's kernel CPU for one connection (handshake and 100 bytes): IPVS hashes, it does not walk.
        long Cpu(int others)
        {
            var (cluster, client, _) = Build("calico-bgp", others);
            _ = TcpSocket.Connect(client.Namespace, WebIp, 80, new Writer(close: false));
            cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
            return cluster.Node(1).Host.TotalCpuPicoseconds;
        }

        Assert.Equal(Cpu(10), Cpu(1000));
    }
}
