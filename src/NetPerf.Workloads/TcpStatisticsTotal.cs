using NetPerf.Transport.Tcp;

namespace NetPerf.Workloads;

/// <summary>TCP counters summed over a workload's connections.</summary>
public sealed class TcpStatisticsTotal
{
    public long PacketsSent { get; private set; }
    public long SegmentsSent { get; private set; }
    public long RetransmittedSegments { get; private set; }
    public long FastRetransmits { get; private set; }
    public long Timeouts { get; private set; }
    public long ForeignSegments { get; private set; }
    public long PureAcksSent { get; private set; }

    internal void Add(TcpStatistics s)
    {
        PacketsSent += s.PacketsSent;
        SegmentsSent += s.SegmentsSent;
        RetransmittedSegments += s.RetransmittedSegments;
        FastRetransmits += s.FastRetransmits;
        Timeouts += s.Timeouts;
        ForeignSegments += s.ForeignSegments;
        PureAcksSent += s.PureAcksSent;
    }

    /// <summary>These totals plus the counters of connections still open.</summary>
    internal TcpStatisticsTotal WithLive(IEnumerable<TcpSocket> live)
    {
        var total = new TcpStatisticsTotal();
        total.Add(this);
        foreach (var socket in live)
        {
            total.Add(socket.Statistics);
        }

        return total;
    }

    private void Add(TcpStatisticsTotal t)
    {
        PacketsSent += t.PacketsSent;
        SegmentsSent += t.SegmentsSent;
        RetransmittedSegments += t.RetransmittedSegments;
        FastRetransmits += t.FastRetransmits;
        Timeouts += t.Timeouts;
        ForeignSegments += t.ForeignSegments;
        PureAcksSent += t.PureAcksSent;
    }
}
