namespace NetPerf.Network.Routing;

/// <summary>Route types as <c>ip route</c> prints them (include/uapi/linux/rtnetlink.h RTN_*).</summary>
public enum RouteType
{
    /// <summary>Forward to a next hop or a directly connected destination.</summary>
    Unicast,

    /// <summary>An address of this namespace: deliver locally (the "local" table).</summary>
    Local,

    /// <summary>Drop silently.</summary>
    Blackhole,

    /// <summary>Drop and answer ICMP destination unreachable.</summary>
    Unreachable,
}
