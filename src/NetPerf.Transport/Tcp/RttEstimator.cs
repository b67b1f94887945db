using NetPerf.Engine.Time;

namespace NetPerf.Transport.Tcp;

/// <summary>
/// RFC 6298's smoothed RTT and variance, with Linux's floor (tcp_rtt_estimator, tcp_set_rto): RTO = SRTT +
/// max(4 x RTTVAR, TCP_RTO_MIN), so a LAN's RTO is about 200 ms plus the RTT, as `ss -i` shows.
/// </summary>
public sealed class RttEstimator(TcpOptions options)
{
    private long _srtt;
    private long _rttvar;

    public bool HasSample { get; private set; }
    public SimTime Smoothed => new(_srtt);
    public SimTime Variance => new(_rttvar);
    public SimTime Minimum { get; private set; } = SimTime.MaxValue;

    public SimTime RetransmissionTimeout
    {
        get
        {
            if (!HasSample)
            {
                return options.InitialRetransmissionTimeout;
            }

            long rto = _srtt + Math.Max(4 * _rttvar, options.MinRetransmissionTimeout.Picoseconds);
            return new SimTime(Math.Min(rto, options.MaxRetransmissionTimeout.Picoseconds));
        }
    }

    public void Sample(SimTime rtt)
    {
        long r = Math.Max(1, rtt.Picoseconds);
        if (rtt < Minimum)
        {
            Minimum = rtt;
        }

        if (!HasSample)
        {
            _srtt = r;
            _rttvar = r / 2;
            HasSample = true;
            return;
        }

        // alpha = 1/8, beta = 1/4 (RFC 6298 section 2.3).
        _rttvar += (Math.Abs(_srtt - r) - _rttvar) / 4;
        _srtt += (r - _srtt) / 8;
    }
}
