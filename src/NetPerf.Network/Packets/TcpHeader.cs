namespace NetPerf.Network.Packets;

/// <summary>
/// The fields of a TCP header the model reads. Sequence numbers are 64-bit byte offsets from the start of the
/// stream, so they never wrap (the kernel's 32-bit arithmetic with wraparound is a representation detail);
/// windows are in bytes, as if scaled (window scaling is always negotiated by Linux). Timestamps (RFC 7323) are
/// simulated picoseconds: the echo of one gives the sender an RTT sample on every ACK, retransmissions included.
/// </summary>
public struct TcpHeader
{
    public long Sequence;
    public long Acknowledgement;
    public TcpFlags Flags;

    /// <summary>Receive window advertised, in bytes.</summary>
    public long Window;

    /// <summary>TSval and TSecr.</summary>
    public long TimestampValue;
    public long TimestampEcho;

    /// <summary>MSS option of a SYN (0 elsewhere).</summary>
    public int MaximumSegmentSize;

    /// <summary>SACK blocks (RFC 2018): up to three ranges the receiver holds above a hole, as Linux sends with timestamps.</summary>
    public SackBlocks Sack;

    /// <summary>
    /// Segments this ACK reports as having arrived out of order (one duplicate ACK each, as the receiver would send
    /// for each segment of a GRO aggregate above a hole).
    /// </summary>
    public int DuplicateSegments;
}
