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

    internal void Add(TcpStatistics s) => Add(s.PacketsSent, s.SegmentsSent, s.RetransmittedSegments, s.FastRetransmits, s.Timeouts, s.ForeignSegments, s.PureAcksSent);

    /// <summary>These totals plus the counters of connections still open.</summary>
    internal TcpStatisticsTotal WithLive(IEnumerable<TcpSocket> live)
    {
        var total = new TcpStatisticsTotal();
        total.Add(PacketsSent, SegmentsSent, RetransmittedSegments, FastRetransmits, Timeouts, ForeignSegments, PureAcksSent);
        foreach (var socket in live)
        {
            total.Add(socket.Statistics);
        }

        return total;
    }

    private void Add(long packets, long segments, long retransmitted, long fastRetransmits, long timeouts, long foreign, long pureAcks)
    {
        PacketsSent += packets;
        SegmentsSent += segments;
        RetransmittedSegments += retransmitted;
        FastRetransmits += fastRetransmits;
        Timeouts += timeouts;
        ForeignSegments += foreign;
        PureAcksSent += pureAcks;
    }
}
