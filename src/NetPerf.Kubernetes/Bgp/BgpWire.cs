using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// What the TCP streams between speakers carry. Sockets carry byte counts, not bytes, so each sending socket
/// keeps its messages in order here; the receiver finds them by the connection's 4-tuple seen from the other
/// end and takes a message once it has read as many bytes as the message is long. TCP's in-order delivery is
/// what makes that exact. Counts every message sent, by type.
/// </summary>
internal sealed class BgpWire
{
    private readonly Dictionary<(uint, ushort, uint, ushort), Queue<BgpMessage>> _streams = [];
    private readonly long[] _sent = new long[5];

    public long Withdrawals { get; private set; }
    public long BytesSent { get; private set; }

    public long Sent(BgpMessageType type) => _sent[(int)type];

    /// <summary>write(): the message's bytes into the socket, its content into the socket's stream.</summary>
    public void Send(TcpSocket socket, in BgpMessage message)
    {
        var key = (socket.LocalAddress.Value, socket.LocalPort, socket.RemoteAddress.Value, socket.RemotePort);
        if (!_streams.TryGetValue(key, out var stream))
        {
            _streams[key] = stream = new Queue<BgpMessage>();
        }

        stream.Enqueue(message);
        socket.Send(message.Bytes);
        _sent[(int)message.Type]++;
        Withdrawals += message.IsWithdrawal ? 1 : 0;
        BytesSent += message.Bytes;
    }

    /// <summary>The messages the far end of <paramref name="socket"/> has written to it, or null if that end has let the connection go.</summary>
    public Queue<BgpMessage>? Incoming(TcpSocket socket) =>
        _streams.GetValueOrDefault((socket.RemoteAddress.Value, socket.RemotePort, socket.LocalAddress.Value, socket.LocalPort));

    /// <summary>
    /// This end lets the connection go. What it wrote and the peer has not read yet (a NOTIFICATION before the FIN)
    /// stays until the peer reads it and sees the FIN (<see cref="PeerClosed"/>).
    /// </summary>
    public void Forget(TcpSocket socket)
    {
        var key = (socket.LocalAddress.Value, socket.LocalPort, socket.RemoteAddress.Value, socket.RemotePort);
        if (_streams.TryGetValue(key, out var stream) && stream.Count == 0)
        {
            _streams.Remove(key);
        }
    }

    /// <summary>The far end of <paramref name="socket"/> closed its side: nothing more will come from it.</summary>
    public void PeerClosed(TcpSocket socket) =>
        _streams.Remove((socket.RemoteAddress.Value, socket.RemotePort, socket.LocalAddress.Value, socket.LocalPort));
}
