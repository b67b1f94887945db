namespace NetPerf.Kubernetes.Dns;

/// <summary>How glibc's stub resolver sends a name's A and AAAA queries (resolv.conf options; res_send.c send_dg).</summary>
public enum ResolverQueries
{
    /// <summary>The default since glibc 2.9: both at once from one socket (sendmmsg), so both share one UDP tuple.</summary>
    Parallel,

    /// <summary><c>options single-request</c> (RES_SNGLKUP): AAAA only once A is answered, on the same socket.</summary>
    SingleRequest,

    /// <summary>
    /// <c>options single-request-reopen</c> (RES_SNGLKUPREOP): sequential as single-request (send_dg sets
    /// single_request from either flag), and the socket is closed and a new one opened before AAAA, so the two
    /// queries are two flows with two source ports.
    /// </summary>
    SingleRequestReopen,
}
