using NetPerf.Network.Addressing;

namespace NetPerf.Network.Routing;

/// <summary>
/// One FIB entry. Immutable and built when a namespace is configured, so lookups hand out a reference and
/// allocate nothing. Several next hops make an ECMP route; one is chosen per flow by hash.
/// </summary>
public sealed class Route
{
    public Route(Ipv4Prefix prefix, RouteType type, params NextHop[] nextHops)
    {
        if (type == RouteType.Unicast && nextHops.Length == 0)
        {
            throw new ArgumentException($"a unicast route to {prefix} needs at least one next hop.", nameof(nextHops));
        }

        Prefix = prefix;
        Type = type;
        NextHops = nextHops;
    }

    public Ipv4Prefix Prefix { get; }
    public RouteType Type { get; }
    public IReadOnlyList<NextHop> NextHops { get; }

    /// <summary>Who installed the route (<c>proto</c> in <c>ip route</c>): the kernel, an administrator, or a routing daemon.</summary>
    public RouteProtocol Protocol { get; init; } = RouteProtocol.Boot;

    /// <summary>
    /// The next hop for a flow: the hash space is cut into equal ranges, one per next hop, as
    /// fib_select_multipath() does with equal weights (net/ipv4/fib_semantics.c), so a flow keeps its path.
    /// </summary>
    public NextHop SelectNextHop(uint flowHash) =>
        NextHops.Count == 1 ? NextHops[0] : NextHops[(int)(((ulong)flowHash * (uint)NextHops.Count) >> 32)];

    public override string ToString() => ToString(index => $"#{index}");

    /// <summary>As <c>ip route</c> prints it, with device names from <paramref name="deviceName"/>.</summary>
    public string ToString(Func<int, string> deviceName)
    {
        string kind = Type == RouteType.Unicast ? "" : Type.ToString().ToLowerInvariant() + " ";
        var hops = NextHops.Select(h => (h.IsDirect ? "" : $"via {h.Gateway} ") + $"dev {deviceName(h.Interface)}" + (h.OnLink ? " onlink" : ""));
        string proto = Protocol == RouteProtocol.Bird ? " proto bird" : "";
        return $"{kind}{Prefix} {string.Join(" nexthop ", hops)}{proto}".TrimEnd();
    }
}
