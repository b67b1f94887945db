using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Cilium's conntrack entries live by the lifetimes bpf/lib/conntrack.h gives them and leave when the agent's
/// garbage collector (pkg/maps/ctmap/gc) finds them expired, or when the LRU reclaims them: the datapath never
/// checks a lifetime itself, so a packet that finds an expired entry the collector has not yet scanned uses and
/// refreshes it. The layout: a client pod on node1, a server pod on node2, cilium-native; node1 holds the flows'
/// egress entries, node2 their ingress entries.
/// </summary>
public class CiliumConntrackLifetimeTests
{
    private const ushort Port = 8080;

    private sealed record Setup(KubernetesCluster Cluster, Pod Client, Pod Server)
    {
        public CiliumConntrack Node1 => ((CiliumDatapath)Cluster.Cni).NodeConntrack(Cluster.Node(1));

        public void RunTo(double seconds) => Cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(seconds));
    }

    private static Setup Build(CiliumConntrackTimeouts timeouts)
    {
        var cilium = new CiliumDatapath(CiliumRouting.Native) { ConntrackTimeouts = timeouts };
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, cilium);
        return new Setup(cluster, cluster.AddPod("client", 1), cluster.AddPod("server", 2));
    }

    private static long Inserts(Setup s) => s.Cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfMapInsert);

    private static FiveTuple Udp(Setup s, ushort sourcePort) => new(s.Client.Ip, s.Server.Ip, IpProtocol.Udp, sourcePort, Port);

    [Fact]
    public void An_idle_UDP_flow_keeps_its_entry_until_the_first_scan_after_60_s_of_silence_and_then_pays_a_new_one()
    {
        var s = Build(CiliumConntrackTimeouts.Default with { GcInterval = SimTime.FromSeconds(10) });
        var client = new UdpSocket(s.Client.Namespace, s.Client.Ip, 40000);
        client.Send(s.Server.Ip, Port, 100);
        s.RunTo(1);
        long first = Inserts(s);
        Assert.True(first > 0);
        Assert.True(s.Node1.TryGetRecord(Udp(s, 40000), CtScope.Egress, out var record));
        Assert.Equal(SimTime.FromSeconds(60).Picoseconds, record.LifetimePs, SimTime.FromMilliseconds(1).Picoseconds);

        // 55 s later: the scans at 10 .. 50 s found it alive; the datagram finds it and refreshes it to 116 s.
        s.RunTo(56);
        client.Send(s.Server.Ip, Port, 100);
        s.RunTo(57);
        Assert.Equal(first, Inserts(s));
        Assert.True(s.Node1.TryGetRecord(Udp(s, 40000), CtScope.Egress, out record));
        Assert.True(record.LifetimePs > SimTime.FromSeconds(115).Picoseconds);

        // Silent past 116 s: the scan at 120 s deletes it, and the next datagram is CT_NEW again.
        s.RunTo(121);
        Assert.False(s.Node1.TryGetRecord(Udp(s, 40000), CtScope.Egress, out _));
        client.Send(s.Server.Ip, Port, 100);
        s.RunTo(122);
        Assert.True(Inserts(s) > first);
        Assert.True(s.Node1.GcDeleted >= 1);
    }

    [Fact]
    public void An_expired_entry_the_collector_has_not_scanned_is_still_found_and_refreshed()
    {
        // Lifetime 60 s, first scan at 100 s: at 80 s the entry has expired but is still in the map.
        var s = Build(CiliumConntrackTimeouts.Default with { GcInterval = SimTime.FromSeconds(100) });
        var client = new UdpSocket(s.Client.Namespace, s.Client.Ip, 40001);
        client.Send(s.Server.Ip, Port, 100);
        s.RunTo(1);
        long first = Inserts(s);
        s.RunTo(80);
        client.Send(s.Server.Ip, Port, 100);
        s.RunTo(81);
        Assert.Equal(first, Inserts(s));
        s.RunTo(101);
        Assert.True(s.Node1.TryGetRecord(Udp(s, 40001), CtScope.Egress, out var record), "refreshed at 80 s, it lives to 140 s");
        Assert.True(record.LifetimePs > SimTime.FromSeconds(139).Picoseconds);
    }

    [Fact]
    public void A_closed_TCP_connection_lives_10_s_while_an_idle_established_one_outlives_every_scan()
    {
        var s = Build(CiliumConntrackTimeouts.Default with { GcInterval = SimTime.FromSeconds(10) });
        var listener = new TcpListener(s.Server.Namespace, Port, new Quiet());
        var closed = TcpSocket.Connect(s.Client.Namespace, s.Server.Ip, Port, new Quiet());
        var idle = TcpSocket.Connect(s.Client.Namespace, s.Server.Ip, Port, new Quiet());
        s.RunTo(0.01);
        Assert.Equal(TcpState.Established, closed.State);
        var closedFlow = new FiveTuple(s.Client.Ip, s.Server.Ip, IpProtocol.Tcp, closed.LocalPort, Port);
        var idleFlow = new FiveTuple(s.Client.Ip, s.Server.Ip, IpProtocol.Tcp, idle.LocalPort, Port);
        Assert.True(s.Node1.TryGetRecord(idleFlow, CtScope.Egress, out var established));
        Assert.Equal(SimTime.FromSeconds(8000).Picoseconds, established.LifetimePs, SimTime.FromMilliseconds(10).Picoseconds);

        closed.Close(); // the server's Quiet closes on the peer's FIN: a FIN each way
        s.RunTo(1);
        Assert.True(s.Node1.TryGetRecord(closedFlow, CtScope.Egress, out var closing));
        Assert.True(closing.RxClosing && closing.TxClosing);
        Assert.True(closing.LifetimePs < SimTime.FromSeconds(11).Picoseconds, "CT_CLOSE_TIMEOUT from the last FIN");

        s.RunTo(25); // scans at 10 s (alive until ~10.01 s: kept) and 20 s (deleted)
        Assert.False(s.Node1.TryGetRecord(closedFlow, CtScope.Egress, out _));
        Assert.True(s.Node1.TryGetRecord(idleFlow, CtScope.Egress, out _));
        GC.KeepAlive(listener);
    }

    [Fact]
    public void A_SYN_on_a_closed_entry_reopens_it_instead_of_paying_a_new_one()
    {
        // The agent's own schedule: no scan before 5 minutes, so the closed entry (10 s) is still held when the
        // client's port leaves TIME_WAIT (60 s) and connects from it again.
        var s = Build(CiliumConntrackTimeouts.Default);
        var listener = new TcpListener(s.Server.Namespace, Port, new Quiet());
        var first = TcpSocket.Connect(s.Client.Namespace, s.Server.Ip, Port, new Quiet(), localPort: 41000);
        s.RunTo(0.01);
        first.Close();
        s.RunTo(61); // both FINs, then the client's 60 s of TIME_WAIT
        long before = Inserts(s);
        var flow = new FiveTuple(s.Client.Ip, s.Server.Ip, IpProtocol.Tcp, 41000, Port);
        Assert.True(s.Node1.TryGetRecord(flow, CtScope.Egress, out var closedRecord) && !closedRecord.Alive);

        var again = TcpSocket.Connect(s.Client.Namespace, s.Server.Ip, Port, new Quiet(), localPort: 41000);
        s.RunTo(61.01);
        Assert.Equal(TcpState.Established, again.State);
        Assert.True(s.Node1.TryGetRecord(flow, CtScope.Egress, out var reopened));
        Assert.True(reopened.Alive);
        Assert.True(reopened.LifetimePs > SimTime.FromSeconds(7000).Picoseconds);
        // node1 wrote no new egress entry for the reused tuple (node2's ingress entry likewise reopened).
        Assert.Equal(before, Inserts(s));
        GC.KeepAlive(listener);
    }

    [Theory]
    [InlineData(300, 0.5, 150)]   // over a quarter deleted: shorter by that share
    [InlineData(300, 0.95, 30)]   // at most 90% shorter
    [InlineData(20, 0.9, 10)]     // never under 10 s
    [InlineData(300, 0.01, 450)]  // under 5% deleted: 1.5 times longer
    [InlineData(43200, 0.01, 43200)] // at most 12 h for LRU maps
    [InlineData(300, 0.1, 300)]   // between: kept
    [InlineData(300, 0, 300)]     // nothing deleted: kept
    public void The_collectors_adaptive_interval_follows_what_the_last_scan_deleted(int previousS, double ratio, int nextS) =>
        Assert.Equal(SimTime.FromSeconds(nextS), CiliumConntrackTimeouts.NextGcInterval(SimTime.FromSeconds(previousS), ratio));

    private sealed class Quiet : ITcpApplication
    {
        public void OnConnected(TcpSocket socket)
        {
        }

        public void OnReceived(TcpSocket socket, long bytes)
        {
        }

        public void OnPeerClosed(TcpSocket socket) => socket.Close();

        public void OnClosed(TcpSocket socket)
        {
        }
    }
}
