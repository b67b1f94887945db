namespace NetPerf.Network.Routing;

/// <summary>
/// The originator of a route, as <c>ip route</c> prints it after <c>proto</c> (include/uapi/linux/rtnetlink.h
/// RTPROT_*, and /etc/iproute2/rt_protos for the daemons): a route a daemon installs can be told from the
/// administrator's and removed by that daemon alone.
/// </summary>
public enum RouteProtocol
{
    /// <summary>RTPROT_KERNEL: made by the kernel for an address (the connected and local routes).</summary>
    Kernel,

    /// <summary>RTPROT_BOOT: <c>ip route add</c> without a protocol, the default.</summary>
    Boot,

    /// <summary>RTPROT_STATIC: installed by an administrator as static.</summary>
    Static,

    /// <summary>RTPROT_BIRD (12): learned by the BIRD routing daemon, as Calico's block routes are.</summary>
    Bird,
}
