namespace NetPerf.Transport.Tcp;

/// <summary>Counters of one connection, as <c>nstat</c> and <c>ss -ti</c> would show them.</summary>
public sealed class TcpStatistics
{
    /// <summary>Packets handed to IP (a GSO super-packet counts once).</summary>
    public long PacketsSent { get; internal set; }

    /// <summary>Segments on the wire (a super-packet counts its segments): TcpOutSegs.</summary>
    public long SegmentsSent { get; internal set; }

    /// <summary>Times the internal pacing timer fired (TcpOptions.InternalPacing): data packets that waited for it.</summary>
    public long PacingTimers { get; internal set; }

    /// <summary>Segments sent again: TcpRetransSegs.</summary>
    public long RetransmittedSegments { get; internal set; }

    /// <summary>Recoveries entered by duplicate ACKs: TcpExtTCPFastRetrans episodes.</summary>
    public long FastRetransmits { get; internal set; }

    /// <summary>Retransmission timer expiries: TcpExtTCPTimeouts.</summary>
    public long Timeouts { get; internal set; }

    /// <summary>ICMP "fragmentation needed" errors that lowered the MSS (tcp_v4_mtu_reduced), each followed by a resend of what no longer fit.</summary>
    public long MtuReductions { get; internal set; }

    /// <summary>Payload per segment now (the MSS less the timestamps option), 0 before the handshake: what the path MTU leaves.</summary>
    public int SegmentPayload { get; internal set; }

    public long PureAcksSent { get; internal set; }
    public long DelayedAcks { get; internal set; }
    public long BytesAcked { get; internal set; }
    public long BytesReceived { get; internal set; }

    /// <summary>Payload bytes received that the socket already had (a needless retransmission, or a duplicate).</summary>
    public long DuplicateBytesReceived { get; internal set; }

    /// <summary>Segments that arrived for a socket but not from its peer (a reply not un-NATed): the kernel answers RST.</summary>
    public long ForeignSegments { get; internal set; }

    /// <summary>RSTs accepted (TcpExtTCPAbortOnData and kin count what follows; this counts the resets).</summary>
    public long ResetsReceived { get; internal set; }

    /// <summary>ICMP port unreachables that refused a connect() in SYN-SENT (an IPVS virtual service with no real server).</summary>
    public long PortUnreachablesReceived { get; internal set; }
}
