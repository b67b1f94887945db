namespace NetPerf.Transport.Tcp;

/// <summary>
/// Reno's window law (RFC 5681; Linux tcp_reno_cong_avoid and tcp_reno_ssthresh): one segment more per window
/// of ACKs, half the window on a loss. Its recovery is RFC 6582's (partial ACKs keep it in recovery).
/// </summary>
public sealed class NewReno(int initialWindow) : CongestionControl(initialWindow)
{
    protected override void CongestionAvoidance(int ackedSegments, long nowPs, long minRttPs) =>
        AdditiveIncrease(Window, ackedSegments);

    protected override int ReducedWindow(long nowPs) => Window / 2;
}
