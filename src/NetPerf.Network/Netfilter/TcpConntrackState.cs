namespace NetPerf.Network.Netfilter;

/// <summary>
/// A TCP connection's state as conntrack follows it (enum tcp_conntrack, nf_conntrack_proto_tcp.c): it watches
/// the flags both ways, not a socket, so its states name what it has seen on the wire.
/// </summary>
public enum TcpConntrackState : byte
{
    /// <summary>Not TCP, or not yet seen.</summary>
    None,

    /// <summary>A SYN went out; nothing back yet.</summary>
    SynSent,

    /// <summary>The SYN-ACK came back.</summary>
    SynRecv,

    /// <summary>The handshake's final ACK was seen (the entry becomes ASSURED).</summary>
    Established,

    /// <summary>One side sent a FIN.</summary>
    FinWait,

    /// <summary>The other side acknowledged the FIN without sending its own.</summary>
    CloseWait,

    /// <summary>Both sides sent a FIN; the last ACK is awaited.</summary>
    LastAck,

    /// <summary>Both FINs acknowledged: the entry stays nf_conntrack_tcp_timeout_time_wait (120 s).</summary>
    TimeWait,

    /// <summary>A RST was seen.</summary>
    Close,
}
