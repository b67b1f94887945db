namespace NetPerf.Transport.Tcp;

/// <summary>The congestion control algorithms modelled (net.ipv4.tcp_congestion_control).</summary>
public enum CongestionControlKind
{
    /// <summary>RFC 5681 slow start and congestion avoidance with RFC 6582's recovery: halve on loss, one segment per RTT.</summary>
    NewReno,

    /// <summary>RFC 9438 (net/ipv4/tcp_cubic.c): a cubic window growth around the last maximum, beta 0.7.</summary>
    Cubic,
}
