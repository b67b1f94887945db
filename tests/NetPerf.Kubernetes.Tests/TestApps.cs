using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests;

/// <summary>A server that notes who connected and how much it got.</summary>
internal sealed class TcpCounter : ITcpApplication
{
    public long Received { get; private set; }
    public int Connections { get; private set; }
    public List<Ipv4Address> Peers { get; } = [];

    public void OnConnected(TcpSocket socket)
    {
        Connections++;
        Peers.Add(socket.RemoteAddress);
    }

    public void OnReceived(TcpSocket socket, long bytes) => Received += bytes;
    public void OnPeerClosed(TcpSocket socket) => socket.Close();
    public void OnClosed(TcpSocket socket) { }
}

/// <summary>A client that writes some bytes once connected, then closes (unless told to keep the connection open).</summary>
internal sealed class TcpWriter(long bytes, bool keepOpen = false) : ITcpApplication
{
    public void OnConnected(TcpSocket socket)
    {
        socket.Send(bytes);
        if (!keepOpen)
        {
            socket.Close();
        }
    }

    public void OnReceived(TcpSocket socket, long b) { }
    public void OnPeerClosed(TcpSocket socket) { }
    public void OnClosed(TcpSocket socket) { }
}

/// <summary>A UDP echo: notes each datagram's source and sends it back to where it came from.</summary>
internal sealed class UdpEcho : IDatagramReceiver
{
    public List<(Ipv4Address Address, ushort Port)> From { get; } = [];

    public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now)
    {
        var flow = datagram.VisibleFlow;
        From.Add((flow.Source, flow.SourcePort));
        socket.Send(flow.Source, flow.SourcePort, 100);
    }
}

/// <summary>A UDP client's receiver: notes where each answer came from.</summary>
internal sealed class UdpSources : IDatagramReceiver
{
    public List<(Ipv4Address Address, ushort Port)> From { get; } = [];

    public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now) => From.Add((datagram.VisibleFlow.Source, datagram.VisibleFlow.SourcePort));
}
