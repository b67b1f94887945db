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

    /// <summary>ICMP "fragmentation needed" errors that lowered a connection's MSS.</summary>
    public long MtuReductions { get; private set; }

    /// <summary>The smallest payload per segment among the connections (their MSS as the path MTU left it); 0: none established.</summary>
    public int SmallestSegmentPayload { get; private set; }

    internal void Add(TcpStatistics s)
    {
        Add(s.PacketsSent, s.SegmentsSent, s.RetransmittedSegments, s.FastRetransmits, s.Timeouts, s.ForeignSegments, s.PureAcksSent);
        MtuReductions += s.MtuReductions;
        AddSegmentPayload(s.SegmentPayload);
    }

    private void AddSegmentPayload(int payload)
    {
        if (payload > 0 && (SmallestSegmentPayload == 0 || payload < SmallestSegmentPayload))
        {
            SmallestSegmentPayload = payload;
        }
    }

    /// <summary>These totals plus the counters of connections still open.</summary>
    internal TcpStatisticsTotal WithLive(IEnumerable<TcpSocket> live)
    {
        var total = new TcpStatisticsTotal();
        total.Add(PacketsSent, SegmentsSent, RetransmittedSegments, FastRetransmits, Timeouts, ForeignSegments, PureAcksSent);
        total.MtuReductions = MtuReductions;
        total.AddSegmentPayload(SmallestSegmentPayload);
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
