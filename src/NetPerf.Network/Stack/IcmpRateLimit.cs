namespace NetPerf.Network.Stack;

/// <summary>
/// The limits on the ICMP errors a namespace sends (net/ipv4/icmp.c, __icmp_send), for the types in
/// net.ipv4.icmp_ratemask (default 0x1818: destination unreachable, source quench, time exceeded, parameter
/// problem; "fragmentation needed" is exempt, for path MTU discovery, and is not asked here). Two buckets in
/// integer simulated time: the namespace's (icmp_global_allow: net.ipv4.icmp_msgs_per_sec 1,000 a second up to
/// icmp_msgs_burst 50, refilled no more often than every HZ/50 = 20 ms) and one per destination address
/// (icmpv4_xrlim_allow, inet_peer_xrlim_allow: a token bucket of XRLIM_BURST_FACTOR 6 times net.ipv4.icmp_ratelimit
/// 1,000 ms, one ratelimit a message; a new peer starts with its rate_last 60 s back, so full: a burst of 6, then
/// one a second). As in kernels since 2024's "icmp: change the order of rate limits" (icmp_global_consume after
/// icmpv4_xrlim_allow), the namespace's credit is spent
/// only on a message the peer's bucket lets through; the kernel spends 0 to 2 credits at random (against a timing
/// side channel, CVE-2020-25705), the model their mean, 1. (A destination on loopback is exempt in the kernel; no
/// caller here sends one there.) Peers are kept
/// for the namespace's life (inet_peer's garbage collection runs only past inet_peer_threshold).
/// </summary>
public sealed class IcmpRateLimit
{
    /// <summary>net.ipv4.icmp_ratelimit: 1,000 ms.</summary>
    public static readonly long RatelimitPs = 1_000_000_000_000L;

    /// <summary>XRLIM_BURST_FACTOR (net/ipv4/icmp.c).</summary>
    public const int BurstFactor = 6;

    /// <summary>net.ipv4.icmp_msgs_per_sec.</summary>
    public const int MessagesPerSecond = 1000;

    /// <summary>net.ipv4.icmp_msgs_burst.</summary>
    public const int MessagesBurst = 50;

    private const long SecondPs = 1_000_000_000_000L;
    private const long GlobalMinRefillPs = SecondPs / 50; // HZ / 50

    private readonly Dictionary<uint, (long Tokens, long LastPs)> _peers = [];
    private int _globalCredit = MessagesBurst;
    private long _globalStampPs;

    /// <summary>Messages the limits refused.</summary>
    public long Suppressed { get; private set; }

    /// <summary>Whether an error to <paramref name="destination"/> may be sent at <paramref name="nowPs"/>; a yes spends its tokens.</summary>
    public bool Allow(uint destination, long nowPs)
    {
        if (!GlobalHasCredit(nowPs) || !PeerAllows(destination, nowPs))
        {
            Suppressed++;
            return false;
        }

        _globalCredit--;
        return true;
    }

    private bool GlobalHasCredit(long nowPs)
    {
        if (_globalCredit > 0)
        {
            return true;
        }

        long delta = Math.Min(nowPs - _globalStampPs, SecondPs);
        if (delta < GlobalMinRefillPs)
        {
            return false;
        }

        int incr = (int)(MessagesPerSecond * delta / SecondPs);
        if (incr == 0)
        {
            return false;
        }

        _globalStampPs = nowPs;
        _globalCredit = Math.Min(_globalCredit + incr, MessagesBurst);
        return true;
    }

    private bool PeerAllows(uint destination, long nowPs)
    {
        var (tokens, last) = _peers.TryGetValue(destination, out var peer) ? peer : (0L, nowPs - 60 * SecondPs);
        tokens = Math.Min(tokens + (nowPs - last), BurstFactor * RatelimitPs);
        bool allowed = tokens >= RatelimitPs;
        if (allowed)
        {
            tokens -= RatelimitPs;
        }

        _peers[destination] = (tokens, nowPs);
        return allowed;
    }
}
