using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Dns;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>The architecture's "pod to Service, found by DNS name" and "headless Service" paths, end to end.</summary>
public class ServiceByNameTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address KubeDns = Ipv4Address.Parse("10.96.0.10");
    private static readonly Ipv4Address WebIp = Ipv4Address.Parse("10.96.0.20");

    private sealed class Server : ITcpApplication
    {
        public long Received { get; private set; }
        public List<(Ipv4Address Local, Ipv4Address Peer)> Connections { get; } = [];
        public void OnConnected(TcpSocket socket) => Connections.Add((socket.LocalAddress, socket.RemoteAddress));
        public void OnReceived(TcpSocket socket, long bytes) => Received += bytes;
        public void OnPeerClosed(TcpSocket socket) => socket.Close();
        public void OnClosed(TcpSocket socket) { }
    }

    private sealed class Writer : ITcpApplication
    {
        public void OnConnected(TcpSocket socket)
        {
            socket.Send(100);
            socket.Close();
        }

        public void OnReceived(TcpSocket socket, long bytes) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_pod_finds_a_Service_by_name_and_connects_to_its_ClusterIP_or_for_a_headless_one_straight_to_a_pod(bool headless)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("flannel-vxlan"));
        var client = cluster.AddPod("client", 1);
        var coredns = cluster.AddPod("coredns", 2, new Dictionary<string, string> { ["k8s-app"] = "kube-dns" });
        var webPod = cluster.AddPod("web-1", 2, Web);
        var server = new Server();
        _ = new TcpListener(webPod.Namespace, 8080, server);
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("kube-dns", KubeDns, 53, 53, IpProtocol.Udp, new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }));
        var dns = new CoreDns(coredns);
        if (headless)
        {
            dns.AddService("web", "default", webPod.Ip); // clusterIP: None: the answer is the pods
        }
        else
        {
            proxy.Add(new Service("web", WebIp, 8080, 8080, IpProtocol.Tcp, Web));
            dns.AddService("web", "default", WebIp);
        }

        var resolver = new StubResolver(client, new ResolvConf("default"), dns, KubeDns);
        DnsLookup? lookup = null;
        resolver.Resolve("web", r =>
        {
            lookup = r;
            _ = TcpSocket.Connect(client.Namespace, r.Addresses[0], 8080, new Writer());
        });
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(10));

        Assert.Equal(headless ? webPod.Ip : WebIp, Assert.Single(lookup!.Addresses));
        Assert.Equal(100, server.Received);
        Assert.Equal((webPod.Ip, client.Ip), Assert.Single(server.Connections)); // pod to pod either way: no SNAT
        Assert.Equal(1, lookup.QueriesPerType); // web.default.svc.cluster.local answered at the first try
    }
}
