using NetPerf.Engine.Time;

namespace NetPerf.Transport.Tcp;

/// <summary>
/// CUBIC (RFC 9438; Linux net/ipv4/tcp_cubic.c): after a loss the window grows as C(t - K)^3 + W_max, fast
/// while far below the last maximum, flat near it, probing beyond it; and never slower than Reno would grow
/// (the TCP-friendly region). Growth depends on time since the loss, not on the RTT: so on a long path it
/// regains its window far sooner than Reno's one segment per RTT. beta 0.7, C 0.4, fast convergence on.
/// HyStart is not modelled: slow start runs until the first loss.
/// </summary>
public sealed class Cubic(int initialWindow) : CongestionControl(initialWindow)
{
    /// <summary>beta_cubic = 717/1024 in tcp_cubic.c (RFC 9438: 0.7).</summary>
    public const double Beta = 0.7;

    /// <summary>C = 0.4 segments per second cubed (RFC 9438 section 5).</summary>
    public const double C = 0.4;

    private double _lastMaxWindow;
    private long _epochStartPs = -1;
    private double _originWindow;
    private double _k;
    private double _renoWindow;
    private double _ackCount;

    protected override void CongestionAvoidance(int ackedSegments, long nowPs, long minRttPs)
    {
        if (_epochStartPs < 0)
        {
            _epochStartPs = nowPs;
            _ackCount = ackedSegments;
            _renoWindow = Window;
            if (_lastMaxWindow <= Window)
            {
                _k = 0;
                _originWindow = Window;
            }
            else
            {
                _k = Math.Cbrt((_lastMaxWindow - Window) / C);
                _originWindow = _lastMaxWindow;
            }
        }
        else
        {
            _ackCount += ackedSegments;
        }

        // The target one minimum RTT ahead, as bictcp_update does (t + delay_min).
        double t = (nowPs - _epochStartPs + minRttPs) / (double)SimTime.PicosecondsPerSecond;
        double target = _originWindow + (C * Math.Pow(t - _k, 3));
        double per = target > Window ? Window / (target - Window) : 100.0 * Window;

        // TCP-friendly region: the window Reno-like AIMD with this beta would have, 3(1-beta)/(1+beta) per RTT.
        double renoPer = Window / (3 * (1 - Beta) / (1 + Beta));
        while (_ackCount > renoPer)
        {
            _ackCount -= renoPer;
            _renoWindow++;
        }

        if (_renoWindow > Window)
        {
            per = Math.Min(per, Window / (_renoWindow - Window));
        }

        AdditiveIncrease(Math.Max(2, (int)per), ackedSegments);
    }

    protected override int ReducedWindow(long nowPs)
    {
        _epochStartPs = -1;

        // Fast convergence: a flow whose maximum fell releases bandwidth sooner.
        _lastMaxWindow = Window < _lastMaxWindow ? Window * (1 + Beta) / 2 : Window;
        return (int)(Window * Beta);
    }

    protected override void OnWindowCollapsed() => _epochStartPs = -1;
}
