namespace NetPerf.Transport.Tcp;

/// <summary>RFC 9293's connection states (TIME-WAIT is left at once: see <see cref="TcpSocket"/>).</summary>
public enum TcpState
{
    Closed,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    LastAck,
}
