using NetPerf.Engine.Time;

namespace NetPerf.Network.Netfilter;

/// <summary>
/// net.netfilter.nf_conntrack_*_timeout: how long an idle entry stays, per protocol and TCP state. The defaults
/// are the kernel's (tcp_timeouts[] in nf_conntrack_proto_tcp.c; udp_timeouts[] in nf_conntrack_proto_udp.c;
/// nf_ct_generic_timeout in nf_conntrack_proto_generic.c).
/// </summary>
public sealed record ConntrackTimeouts
{
    /// <summary>The kernel's defaults, before kube-proxy changes any.</summary>
    public static ConntrackTimeouts Kernel { get; } = new();

    /// <summary>
    /// As kube-proxy leaves a node: --conntrack-tcp-timeout-established 24h and --conntrack-tcp-timeout-close-wait
    /// 1h by default (kube-proxy's flag reference, kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy);
    /// the UDP timeouts it leaves as they are (--conntrack-udp-timeout and -stream default 0, "leave as-is").
    /// </summary>
    public static ConntrackTimeouts KubeProxy { get; } = new()
    {
        TcpEstablished = SimTime.FromSeconds(86_400),
        TcpCloseWait = SimTime.FromSeconds(3_600),
    };

    public SimTime TcpSynSent { get; init; } = SimTime.FromSeconds(120);
    public SimTime TcpSynRecv { get; init; } = SimTime.FromSeconds(60);
    public SimTime TcpEstablished { get; init; } = SimTime.FromSeconds(5 * 86_400);
    public SimTime TcpFinWait { get; init; } = SimTime.FromSeconds(120);
    public SimTime TcpCloseWait { get; init; } = SimTime.FromSeconds(60);
    public SimTime TcpLastAck { get; init; } = SimTime.FromSeconds(30);
    public SimTime TcpTimeWait { get; init; } = SimTime.FromSeconds(120);
    public SimTime TcpClose { get; init; } = SimTime.FromSeconds(10);

    /// <summary>nf_conntrack_udp_timeout: a flow not (yet) a stream.</summary>
    public SimTime Udp { get; init; } = SimTime.FromSeconds(30);

    /// <summary>nf_conntrack_udp_timeout_stream: seen both ways and still active 2 s after it began.</summary>
    public SimTime UdpStream { get; init; } = SimTime.FromSeconds(120);

    /// <summary>nf_conntrack_generic_timeout: any other protocol (ICMP has its own 30 s, not modelled apart).</summary>
    public SimTime Generic { get; init; } = SimTime.FromSeconds(600);

    internal long Of(TcpConntrackState state) => (state switch
    {
        TcpConntrackState.SynSent or TcpConntrackState.None => TcpSynSent,
        TcpConntrackState.SynRecv => TcpSynRecv,
        TcpConntrackState.Established => TcpEstablished,
        TcpConntrackState.FinWait => TcpFinWait,
        TcpConntrackState.CloseWait => TcpCloseWait,
        TcpConntrackState.LastAck => TcpLastAck,
        TcpConntrackState.TimeWait => TcpTimeWait,
        _ => TcpClose,
    }).Picoseconds;
}
