using NetPerf.Engine.Time;

namespace NetPerf.Transport.Tcp;

/// <summary>
/// A TCP socket's settings, with Linux's defaults and where each comes from. Immutable: one instance can be
/// shared by every socket of a workload.
/// </summary>
public sealed record TcpOptions
{
    public static readonly TcpOptions Linux = new();

    /// <summary>net.ipv4.tcp_congestion_control: cubic by default since Linux 2.6.19.</summary>
    public CongestionControlKind CongestionControl { get; init; } = CongestionControlKind.Cubic;

    /// <summary>Initial congestion window in segments: TCP_INIT_CWND = 10 (include/net/tcp.h; RFC 6928).</summary>
    public int InitialWindowSegments { get; init; } = 10;

    /// <summary>
    /// The slow-start threshold a connection starts with, in segments: unbounded by default; a route's
    /// <c>ssthresh</c> metric sets it (ip route add ... ssthresh N; tcp_init_metrics).
    /// </summary>
    public int InitialSlowStartThreshold { get; init; } = int.MaxValue;

    /// <summary>RTO before any RTT sample: TCP_TIMEOUT_INIT = 1 s (RFC 6298 section 2.1).</summary>
    public SimTime InitialRetransmissionTimeout { get; init; } = SimTime.FromSeconds(1);

    /// <summary>TCP_RTO_MIN = 200 ms: Linux's floor under the variance term of the RTO.</summary>
    public SimTime MinRetransmissionTimeout { get; init; } = SimTime.FromMilliseconds(200);

    /// <summary>TCP_RTO_MAX = 120 s: where exponential backoff stops.</summary>
    public SimTime MaxRetransmissionTimeout { get; init; } = SimTime.FromSeconds(120);

    /// <summary>
    /// net.ipv4.tcp_syn_retries = 6: SYNs resent (at 1, 3, 7, 15, 31 and 63 s) before connect() fails with
    /// ETIMEDOUT. The model uses it for the server's SYN-ACK retries too (Linux's tcp_synack_retries is 5).
    /// </summary>
    public int SynRetries { get; init; } = 6;

    /// <summary>net.ipv4.tcp_retries2 = 15: retransmission timeouts in a row before an established connection is given up (ETIMEDOUT).</summary>
    public int Retries2 { get; init; } = 15;

    /// <summary>TCP_TIMEWAIT_LEN = 60 s: how long the end that closed first keeps its port after the last ACK.</summary>
    public SimTime TimeWait { get; init; } = SimTime.FromSeconds(60);

    /// <summary>
    /// net.ipv4.tcp_tw_reuse = 1: connect() may take a port whose connection has been in TIME-WAIT for over a
    /// second (timestamps keep old segments apart). On here, as benchmark clients set it, so that TCP_CRR at tens of
    /// thousands of connections per second does not run out of ports; Linux's default, 2, allows it on loopback only.
    /// </summary>
    public bool TimeWaitReuse { get; init; } = true;

    /// <summary>TCP_DELACK_MIN = 40 ms: how long an ACK for a lone segment may wait for data to ride on.</summary>
    public SimTime DelayedAckTimeout { get; init; } = SimTime.FromMilliseconds(40);

    /// <summary>
    /// Receive buffer bytes the window may advertise: net.ipv4.tcp_rmem's maximum, 6 MiB, of which Linux
    /// advertises about half (the rest covers skb overhead; tcp_adv_win_scale = 1 before 6.6, scaling_ratio after).
    /// </summary>
    public long ReceiveWindowBytes { get; init; } = 3 << 20;

    /// <summary>Send buffer bytes: net.ipv4.tcp_wmem's maximum, 4 MiB. write() takes no more than this unacknowledged.</summary>
    public long SendBufferBytes { get; init; } = 4 << 20;

    /// <summary>net.ipv4.tcp_reordering = 3: duplicate ACKs (segments reported above a hole) that trigger fast retransmit.</summary>
    public int DuplicateAckThreshold { get; init; } = 3;

    /// <summary>
    /// The header room sk_setup_caps takes off the route's device's gso_ipv4_max_size for sk_gso_max_size
    /// (MAX_TCP_HEADER + 1, about 320 B): a 64 KiB device allows 45 segments of 1448 B, a BIG TCP one (196608) 135.
    /// </summary>
    public const int GsoHeaderRoom = 320;

    /// <summary>A cap of the socket's own on its super-packets, below what the route's device allows (none by default).</summary>
    public int GsoMaxBytes { get; init; } = int.MaxValue;

    /// <summary>net.ipv4.tcp_min_tso_segs = 2: the smallest super-packet autosizing picks.</summary>
    public int MinTsoSegments { get; init; } = 2;

    /// <summary>
    /// Whether the socket may build GSO super-packets at all (the route's device must also allow GSO). Off means
    /// every segment is a packet of its own through the whole stack.
    /// </summary>
    public bool Gso { get; init; } = true;

    /// <summary>
    /// TCP paces itself (sk_pacing_status SK_PACING_NEEDED): each data packet moves the socket's next departure
    /// time (tcp_wstamp_ns) on by its length over the pacing rate, and a send that finds that time ahead waits for
    /// the pacing timer (<c>KernelStage.TcpPacingTimer</c>). Linux does this when the congestion control asks for
    /// pacing (BBR) and the device's qdisc is not fq, which paces instead; off (CUBIC, Linux's default) by default.
    /// </summary>
    public bool InternalPacing { get; init; }
}
