using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Fabric;

/// <summary>Zones on racks: the inter-zone delay is paid between racks, once each way, and not within one.</summary>
public class InterZoneDelayTests
{
    private sealed class ConnectedAt(KubernetesCluster cluster) : ITcpApplication
    {
        public SimTime? At { get; private set; }

        public void OnConnected(TcpSocket socket) => At = cluster.Bed.Sim.Now;
        public void OnReceived(TcpSocket socket, long bytes) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
    }

    /// <summary>When a connect() from a pod on node 1 to one on <paramref name="serverNode"/> completes (a SYN and its SYN-ACK: one round trip).</summary>
    private static SimTime Handshake(SimTime interZone, int serverNode)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 4, Racks = 2, InterZoneDelay = interZone }, CniPlugin.ByName("calico-bgp"));
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("server", serverNode);
        _ = new TcpListener(server.Namespace, 8080, new TcpCounter());
        var app = new ConnectedAt(cluster);
        _ = TcpSocket.Connect(client.Namespace, server.Ip, 8080, app);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(50));
        return app.At!.Value;
    }

    [Fact]
    public void A_round_trip_between_zones_pays_the_delay_twice()
    {
        // node2 is in rack 2 (node N in rack ((N - 1) mod 2) + 1): another zone.
        var delay = SimTime.FromMicroseconds(500);
        Assert.Equal(2 * delay, Handshake(delay, 2) - Handshake(SimTime.Zero, 2));
    }

    [Fact]
    public void Within_a_zone_the_delay_costs_nothing()
    {
        // node3 shares rack 1 with node1.
        Assert.Equal(Handshake(SimTime.Zero, 3), Handshake(SimTime.FromMicroseconds(500), 3));
    }
}
