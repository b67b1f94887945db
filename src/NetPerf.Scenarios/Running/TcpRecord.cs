namespace NetPerf.Scenarios.Running;

/// <summary>
/// A TCP workload's counters over its connections: retransmission timeouts, segments resent, ICMP errors that
/// lowered an MSS, and the smallest payload per segment a connection ended with (0: none established).
/// </summary>
public sealed record TcpRecord(long Timeouts, long RetransmittedSegments, long MtuReductions, int SmallestSegmentPayload);
