using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Transport.Tcp;
using Xunit.Abstractions;

namespace NetPerf.Transport.Tests.Tcp;

public class Smoke(ITestOutputHelper output)
{
    private sealed class Sink : ITcpApplication
    {
        public long Got;
        public bool Connected;
        public void OnConnected(TcpSocket socket) => Connected = true;
        public void OnReceived(TcpSocket socket, long bytes) => Got += bytes;
        public void OnPeerClosed(TcpSocket socket) => socket.Close();
        public void OnClosed(TcpSocket socket) { }
    }

    private sealed class Pump : ITcpApplication
    {
        public void OnConnected(TcpSocket socket) => socket.Send(long.MaxValue);
        public void OnReceived(TcpSocket socket, long bytes) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
        public void OnSendSpace(TcpSocket socket) => socket.Send(long.MaxValue);
    }

    [Fact]
    public void Bulk()
    {
        var n = new TwoNodes(CostTable.Default(), 10_000_000_000, SimTime.FromMicroseconds(25));
        var sink = new Sink();
        _ = new TcpListener(n.HostB.Root, 5001, sink);
        var c = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Pump());
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(100));
        output.WriteLine($"got {sink.Got} B = {sink.Got * 8 / 0.1 / 1e9:F3} Gbit/s cwnd {c.CongestionWindow} mss {c.SegmentPayload} rtt {c.Rtt.Smoothed} retx {c.Statistics.RetransmittedSegments} pkts {c.Statistics.PacketsSent} segs {c.Statistics.SegmentsSent} cpuA {n.HostA.TotalCpuPicoseconds/1e9} ms");
        Assert.True(sink.Got > 0);
    }
}
