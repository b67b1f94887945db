namespace NetPerf.Transport.Tcp;

/// <summary>
/// A congestion control algorithm, in segments as Linux keeps it (snd_cwnd, snd_ssthresh, snd_cwnd_cnt):
/// slow start while the window is below ssthresh, the algorithm's own growth above it, and its reduction on a
/// loss. Recovery itself (which segments to resend) is the socket's business.
/// </summary>
public abstract class CongestionControl
{
    protected CongestionControl(int initialWindow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialWindow, 1);
        Window = initialWindow;
    }

    /// <summary>snd_cwnd, in segments.</summary>
    public int Window { get; protected set; }

    /// <summary>snd_ssthresh, in segments (unbounded until the first loss).</summary>
    public int SlowStartThreshold { get; protected set; } = int.MaxValue;

    /// <summary>snd_cwnd_cnt: ACKed segments towards the next increase in congestion avoidance.</summary>
    protected int WindowCount { get; set; }

    public bool InSlowStart => Window < SlowStartThreshold;

    public static CongestionControl Create(CongestionControlKind kind, int initialWindow, int initialSlowStartThreshold = int.MaxValue)
    {
        CongestionControl cc = kind switch
        {
            CongestionControlKind.NewReno => new NewReno(initialWindow),
            CongestionControlKind.Cubic => new Cubic(initialWindow),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown congestion control."),
        };
        cc.SlowStartThreshold = Math.Max(2, initialSlowStartThreshold);
        return cc;
    }

    /// <summary>New data ACKed outside recovery: grow the window.</summary>
    public void OnAck(int ackedSegments, long nowPs, long minRttPs)
    {
        if (InSlowStart)
        {
            // tcp_slow_start: one segment per segment ACKed, up to ssthresh; the rest counts as avoidance.
            int grown = Math.Min(Window + ackedSegments, SlowStartThreshold);
            ackedSegments -= grown - Window;
            Window = grown;
            if (ackedSegments <= 0)
            {
                return;
            }
        }

        CongestionAvoidance(ackedSegments, nowPs, minRttPs);
    }

    /// <summary>A loss found by duplicate ACKs: ssthresh drops, and the window with it when recovery ends.</summary>
    public void OnLoss(long nowPs)
    {
        SlowStartThreshold = Math.Max(ReducedWindow(nowPs), 2);
        WindowCount = 0;
    }

    /// <summary>Recovery is over: continue from ssthresh (tcp_end_cwnd_reduction).</summary>
    public void OnRecoveryEnd() => Window = SlowStartThreshold;

    /// <summary>Sets the window for recovery (the socket sets it to ssthresh at entry), between 1 and ssthresh.</summary>
    public void SetRecoveryWindow(int segments) => Window = Math.Clamp(segments, 1, SlowStartThreshold);

    /// <summary>
    /// The retransmission timer fired: the window back to one segment, and ssthresh as for a loss when
    /// <paramref name="reduceThreshold"/> (tcp_enter_loss lowers it only for a loss it has not reacted to yet).
    /// </summary>
    public void OnTimeout(long nowPs, bool reduceThreshold = true)
    {
        if (reduceThreshold)
        {
            SlowStartThreshold = Math.Max(ReducedWindow(nowPs), 2);
        }

        Window = 1;
        WindowCount = 0;
        OnWindowCollapsed();
    }

    /// <summary>Congestion avoidance growth for <paramref name="ackedSegments"/> segments ACKed.</summary>
    protected abstract void CongestionAvoidance(int ackedSegments, long nowPs, long minRttPs);

    /// <summary>The algorithm's ssthresh after a loss, from the current window.</summary>
    protected abstract int ReducedWindow(long nowPs);

    protected virtual void OnWindowCollapsed()
    {
    }

    /// <summary>tcp_cong_avoid_ai: one segment more for every <paramref name="per"/> segments ACKed.</summary>
    protected void AdditiveIncrease(int per, int ackedSegments)
    {
        if (WindowCount >= per)
        {
            WindowCount = 0;
            Window++;
        }

        WindowCount += ackedSegments;
        if (WindowCount >= per)
        {
            int delta = WindowCount / per;
            WindowCount -= delta * per;
            Window += delta;
        }
    }
}
