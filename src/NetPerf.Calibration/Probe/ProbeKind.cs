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

    /// <summary>One bulk TCP connection (64 KiB writes) for a fixed time: goodput and CPU per byte.</summary>
    TcpStream,
}
