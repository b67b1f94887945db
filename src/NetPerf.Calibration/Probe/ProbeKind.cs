namespace NetPerf.Calibration.Probe;

/// <summary>The transaction a probe measures, as netperf names them.</summary>
public enum ProbeKind
{
    /// <summary>A UDP request and response (unconnected sockets: each datagram routed on output and input).</summary>
    UdpRr,

    /// <summary>A TCP request and response on one established connection (TCP_NODELAY).</summary>
    TcpRr,

    /// <summary>Connect, request, response, close: a new TCP connection per transaction.</summary>
    TcpCrr,
}
