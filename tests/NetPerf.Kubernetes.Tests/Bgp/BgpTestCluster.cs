using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Bgp;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Bgp;

/// <summary>A Calico cluster whose block routes are learned over BGP, and a TCP probe between pods.</summary>
internal static class BgpTestCluster
{
    public static (KubernetesCluster Cluster, BgpControlPlane Plane) Build(int nodes, BgpTopology topology, BgpTimers? timers = null, bool ipip = false, ulong seed = 1)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = nodes, Seed = seed }, new CalicoRouted(ipip, CalicoRouting.Bgp));
        return (cluster, new BgpControlPlane(cluster, topology, timers));
    }

    /// <summary>Opens a TCP connection from <paramref name="client"/> to <paramref name="server"/> and writes 10 kB; the bytes that arrived.</summary>
    public static long TcpBytes(KubernetesCluster cluster, Pod client, Pod server, ushort port)
    {
        var sink = new Sink();
        _ = new TcpListener(server.Namespace, port, sink);
        _ = TcpSocket.Connect(client.Namespace, server.Ip, port, new Writer(10_000));
        cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromMilliseconds(100));
        return sink.Received;
    }

    private sealed class Sink : ITcpApplication
    {
        public long Received { get; private set; }
        public void OnConnected(TcpSocket socket) { }
        public void OnReceived(TcpSocket socket, long bytes) => Received += bytes;
        public void OnPeerClosed(TcpSocket socket) => socket.Close();
        public void OnClosed(TcpSocket socket) { }
    }

    private sealed class Writer(long bytes) : ITcpApplication
    {
        public void OnConnected(TcpSocket socket) => socket.Send(bytes);
        public void OnReceived(TcpSocket socket, long b) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
    }
}
