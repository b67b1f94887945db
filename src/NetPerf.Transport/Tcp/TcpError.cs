namespace NetPerf.Transport.Tcp;

/// <summary>Why a connection ended without a close by both ends: the errno a socket call would return.</summary>
public enum TcpError
{
    /// <summary>It closed normally (or has not ended).</summary>
    None,

    /// <summary>ECONNREFUSED: the SYN was answered with a RST (nothing listens on the port) or an ICMP port unreachable (tcp_v4_err in SYN-SENT).</summary>
    Refused,

    /// <summary>ECONNRESET: a RST arrived on a connection past its handshake.</summary>
    Reset,

    /// <summary>ETIMEDOUT: the SYN (tcp_syn_retries) or data (tcp_retries2) went unanswered through every retransmission.</summary>
    TimedOut,
}
