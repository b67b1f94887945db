namespace NetPerf.Transport.Tcp;

/// <summary>
/// The process behind a TCP socket. Calls come when the process would see the event: after its wake-up and
/// the recv() that copied the data to it.
/// </summary>
public interface ITcpApplication
{
    /// <summary>connect() returned (client), or accept() did (server).</summary>
    void OnConnected(TcpSocket socket);

    /// <summary>recv() returned <paramref name="bytes"/> new bytes of the stream.</summary>
    void OnReceived(TcpSocket socket, long bytes);

    /// <summary>recv() returned 0: the peer sent FIN and every byte before it was read.</summary>
    void OnPeerClosed(TcpSocket socket);

    /// <summary>write() may take more data: ACKs freed room in a send buffer that had refused some.</summary>
    void OnSendSpace(TcpSocket socket)
    {
    }

    /// <summary>The connection is gone (both FINs acknowledged, or a reset).</summary>
    void OnClosed(TcpSocket socket);
}
