using NetPerf.Engine.Time;

namespace NetPerf.Kubernetes.Bgp;

/// <summary>
/// A session's timers. The defaults are what calico-node's BIRD runs with: Calico's bird.cfg.template
/// (confd/etc/calico/confd/templates) sets <c>connect delay time 1; connect retry time 3; error wait time 5,60</c>
/// in its bgp_template and leaves the hold time to BIRD, whose default is 240 s with keepalives every hold/3 =
/// 80 s (proto/bgp/config.Y: hold_time = 240, initial_hold_time = 240; BIRD's own connect_retry_time is 120 s and
/// connect_delay_time 5 s, <see cref="Bird"/>).
/// </summary>
public sealed record BgpTimers
{
    /// <summary>What calico-node generates (the defaults of this record).</summary>
    public static readonly BgpTimers Calico = new();

    /// <summary>BIRD's own defaults, without Calico's template.</summary>
    public static readonly BgpTimers Bird = new() { ConnectRetry = SimTime.FromSeconds(120), ConnectDelay = SimTime.FromSeconds(5), ErrorWait = SimTime.FromSeconds(60) };

    /// <summary>
    /// The hold time this speaker offers in its OPEN; a session uses the smaller of the two offers. Silence for
    /// this long (no KEEPALIVE, no UPDATE) tears the session down and withdraws the peer's routes.
    /// </summary>
    public SimTime Hold { get; init; } = SimTime.FromSeconds(240);

    /// <summary>The interval between KEEPALIVEs (hold/3 unless set; less if the negotiated hold time is shorter).</summary>
    public SimTime Keepalive { get; init; } = SimTime.FromSeconds(80);

    /// <summary>The hold time while waiting for the peer's OPEN (BIRD's startup hold time, RFC 4271's "4 minutes suggested").</summary>
    public SimTime StartupHold { get; init; } = SimTime.FromSeconds(240);

    /// <summary>How long an unanswered connection attempt waits before the next (ConnectRetryTimer).</summary>
    public SimTime ConnectRetry { get; init; } = SimTime.FromSeconds(3);

    /// <summary>Delay before the first connection attempt after the speaker starts (BIRD's connect delay time).</summary>
    public SimTime ConnectDelay { get; init; } = SimTime.FromSeconds(1);

    /// <summary>Wait after a session fails (hold timer expired, connection lost) before trying again (BIRD's error wait time, its minimum).</summary>
    public SimTime ErrorWait { get; init; } = SimTime.FromSeconds(5);

    /// <summary>Hold time <paramref name="hold"/> with keepalives every hold/3, as BIRD derives them.</summary>
    public static BgpTimers WithHold(SimTime hold) => new() { Hold = hold, Keepalive = hold / 3 };
}
