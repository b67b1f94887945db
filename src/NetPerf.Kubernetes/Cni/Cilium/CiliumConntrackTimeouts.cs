using NetPerf.Engine.Time;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// The lifetimes Cilium's datapath gives its conntrack entries (the agent's bpf-ct-timeout-* flags, compiled into
/// the programs as CT_CONNECTION_LIFETIME_TCP and the rest; defaults from daemon/cmd/daemon_main.go) and its
/// garbage collector's schedule (conntrack-gc-interval; pkg/defaults: a 5 minute start, 10 s to 12 h for LRU maps).
/// </summary>
public sealed record CiliumConntrackTimeouts
{
    /// <summary>bpf-ct-timeout-regular-tcp (CT_CONNECTION_LIFETIME_TCP): an established TCP entry, 8000 s.</summary>
    public SimTime RegularTcp { get; init; } = SimTime.FromSeconds(8000);

    /// <summary>bpf-ct-timeout-regular-tcp-fin (CT_CLOSE_TIMEOUT): once both directions have seen FIN (or a RST), 10 s.</summary>
    public SimTime RegularTcpFin { get; init; } = SimTime.FromSeconds(10);

    /// <summary>bpf-ct-timeout-regular-tcp-syn (CT_SYN_TIMEOUT): an entry that has seen only SYNs, 60 s.</summary>
    public SimTime RegularTcpSyn { get; init; } = SimTime.FromSeconds(60);

    /// <summary>bpf-ct-timeout-regular-any (CT_CONNECTION_LIFETIME_NONTCP): UDP and the rest, 60 s.</summary>
    public SimTime RegularAny { get; init; } = SimTime.FromSeconds(60);

    /// <summary>bpf-ct-timeout-service-tcp (CT_SERVICE_LIFETIME_TCP): a TCP flow's CT_SERVICE entry, 8000 s.</summary>
    public SimTime ServiceTcp { get; init; } = SimTime.FromSeconds(8000);

    /// <summary>bpf-ct-timeout-service-any (CT_SERVICE_LIFETIME_NONTCP), 60 s.</summary>
    public SimTime ServiceAny { get; init; } = SimTime.FromSeconds(60);

    /// <summary>conntrack-gc-interval: a fixed interval between the agent's scans, or zero for its own (adaptive) schedule.</summary>
    public SimTime GcInterval { get; init; } = SimTime.Zero;

    /// <summary>ConntrackGCStartingInterval: the adaptive schedule's first interval.</summary>
    public static readonly SimTime GcStartingInterval = SimTime.FromSeconds(300);

    /// <summary>ConntrackGCMinInterval.</summary>
    public static readonly SimTime GcMinInterval = SimTime.FromSeconds(10);

    /// <summary>ConntrackGCMaxLRUInterval: the adaptive schedule's ceiling for LRU maps.</summary>
    public static readonly SimTime GcMaxLruInterval = SimTime.FromSeconds(12 * 3600);

    public static CiliumConntrackTimeouts Default { get; } = new();

    /// <summary>
    /// pkg/maps/ctmap calculateInterval: after a scan that deleted more than a quarter of a map's max_entries the
    /// interval shrinks by that share (at most 90%, rounded to the second, at least 10 s); after one that deleted
    /// under 5% it grows by half (at most 12 h); a scan that deleted nothing leaves it.
    /// </summary>
    public static SimTime NextGcInterval(SimTime previous, double maxDeleteRatio)
    {
        if (maxDeleteRatio == 0)
        {
            return previous;
        }

        if (maxDeleteRatio > 0.25)
        {
            double shrunk = RoundToSecond(previous.Picoseconds * (1 - Math.Min(maxDeleteRatio, 0.9)));
            return new SimTime(Math.Max((long)shrunk, GcMinInterval.Picoseconds));
        }

        if (maxDeleteRatio < 0.05)
        {
            double grown = RoundToSecond(previous.Picoseconds * 1.5);
            return new SimTime(Math.Min((long)grown, GcMaxLruInterval.Picoseconds));
        }

        return previous;
    }

    private static double RoundToSecond(double picoseconds)
    {
        double second = SimTime.FromSeconds(1).Picoseconds;
        return Math.Round(picoseconds / second, MidpointRounding.AwayFromZero) * second;
    }
}
