using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Transport.Tcp;

namespace NetPerf.Transport.Tests.Tcp;

/// <summary>A receiver that reads everything, and a sender that always has data: the two ends of a bulk flow.</summary>
internal sealed class Sink : ITcpApplication
{
    public long Received { get; private set; }
    public bool PeerClosed { get; private set; }
    public TcpSocket? Socket { get; private set; }

    public void OnConnected(TcpSocket socket) => Socket = socket;
    public void OnReceived(TcpSocket socket, long bytes) => Received += bytes;

    public void OnPeerClosed(TcpSocket socket)
    {
        PeerClosed = true;
        socket.Close();
    }

    public void OnClosed(TcpSocket socket)
    {
    }
}

internal sealed class Source(long total = long.MaxValue, int chunk = 128 * 1024) : ITcpApplication
{
    private long _left = total;

    public bool Closed { get; private set; }

    public void OnConnected(TcpSocket socket) => Fill(socket);
    public void OnSendSpace(TcpSocket socket) => Fill(socket);

    public void OnReceived(TcpSocket socket, long bytes)
    {
    }

    public void OnPeerClosed(TcpSocket socket)
    {
    }

    public void OnClosed(TcpSocket socket) => Closed = true;

    private void Fill(TcpSocket socket)
    {
        while (_left > 0)
        {
            long taken = socket.Send(Math.Min(chunk, _left));
            _left -= taken;
            if (taken < Math.Min(chunk, _left + taken))
            {
                return;
            }
        }

        socket.Close();
    }
}

/// <summary>Samples a socket's congestion window at a fixed interval.</summary>
internal sealed class WindowTrace : IEventHandler
{
    private readonly Simulator _sim;
    private readonly TcpSocket _socket;
    private readonly SimTime _every;

    public WindowTrace(Simulator sim, TcpSocket socket, SimTime every)
    {
        _sim = sim;
        _socket = socket;
        _every = every;
        sim.ScheduleAfter(every, this);
    }

    public List<(SimTime At, int Window, bool Recovery)> Samples { get; } = [];

    public void OnEvent(int kind, long arg)
    {
        Samples.Add((_sim.Now, _socket.CongestionWindow, _socket.InRecovery));
        _sim.ScheduleAfter(_every, this);
    }
}

/// <summary>A client that connects and then neither writes nor closes.</summary>
internal sealed class Idle : ITcpApplication
{
    public void OnConnected(TcpSocket socket)
    {
    }

    public void OnReceived(TcpSocket socket, long bytes)
    {
    }

    public void OnPeerClosed(TcpSocket socket)
    {
    }

    public void OnClosed(TcpSocket socket)
    {
    }
}

/// <summary>An endpoint that takes nothing: proof that a port can be bound.</summary>
internal sealed class NoEndpoint : NetPerf.Network.Stack.ILocalEndpoint
{
    public void Deliver(ref NetPerf.Network.Stack.PacketWalk walk) => walk.Consume();
}
