namespace NetPerf.Transport.Tcp;

/// <summary>RFC 9293's connection states (CLOSING is folded into FIN-WAIT-1).</summary>
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

    /// <summary>The active closer's last state: the port stays taken, stray segments are absorbed (TCP_TIMEWAIT_LEN, 60 s).</summary>
    TimeWait,
}
