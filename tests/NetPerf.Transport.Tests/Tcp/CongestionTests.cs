using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Transport.Tcp;
using Xunit.Abstractions;

namespace NetPerf.Transport.Tests.Tcp;

public class CongestionTests(ITestOutputHelper output)
{
    private const long HundredMeg = 100_000_000;

    private static (TwoNodes Net, TcpSocket Sender, WindowTrace Trace) BulkThroughBottleneck(TcpOptions options, SimTime oneWay, int queue, SimTime runFor)
    {
        var n = TwoNodes.ThroughBottleneck(CostTable.Free(), 10 * HundredMeg, HundredMeg, oneWay, queue);
        options = options with { ReceiveWindowBytes = 64 << 20, SendBufferBytes = 64 << 20 };
        _ = new TcpListener(n.HostB.Root, 5001, new Sink(), options: options);
        var sender = TcpSocket.Connect(n.HostA.Root, TwoNodes.FarB, 5001, new Source(), options: options);
        var trace = new WindowTrace(n.Bed.Sim, sender, SimTime.FromMilliseconds(5));
        n.Bed.Sim.RunUntil(runFor);
        return (n, sender, trace);
    }

    /// <summary>Window peaks: the window just before each recovery begins.</summary>
    private static List<(SimTime At, int Window)> Peaks(WindowTrace trace)
    {
        var peaks = new List<(SimTime, int)>();
        for (int i = 1; i < trace.Samples.Count; i++)
        {
            if (trace.Samples[i].Recovery && !trace.Samples[i - 1].Recovery)
            {
                peaks.Add((trace.Samples[i - 1].At, trace.Samples[i - 1].Window));
            }
        }

        return peaks;
    }

    [Fact]
    public void Behind_a_drop_tail_bottleneck_the_window_saws_between_the_pipe_plus_queue_and_half_of_it()
    {
        // 100 Mbit/s, 20 ms round trip: 172.7 segments of 1448 B in flight fill the pipe, 100 more the queue.
        var (n, sender, trace) = BulkThroughBottleneck(TcpOptions.Linux with { CongestionControl = CongestionControlKind.NewReno },
            SimTime.FromMilliseconds(10), queue: 100, SimTime.FromSeconds(20));
        var peaks = Peaks(trace);
        output.WriteLine(string.Join(" ", peaks.Select(p => $"{p.At.TotalSeconds:F2}s:{p.Window}")));

        double pipePlusQueue = (HundredMeg * 0.020 / 8 / 1448) + 100;
        var steady = peaks.Skip(1).ToList(); // after slow start's overshoot
        Assert.True(steady.Count >= 4, $"{steady.Count} loss episodes in steady state");
        Assert.All(steady, p => Assert.InRange(p.Window, 0.93 * pipePlusQueue, 1.05 * pipePlusQueue));
        Assert.True(sender.Statistics.FastRetransmits >= peaks.Count);
        Assert.True(n.Bottleneck!.TransmitLink!.QueueDrops > 0);

        // Each loss halves the window (NewReno), and it climbs back one segment per round trip.
        foreach (var (at, window) in steady)
        {
            var after = trace.Samples.First(s => s.At > at && !s.Recovery);
            Assert.InRange(after.Window, window / 2 - 2, window / 2 + 2);
        }
    }

    [Fact]
    public void After_a_loss_on_a_long_path_CUBIC_regains_its_window_far_sooner_than_NewReno()
    {
        // 100 Mbit/s, 200 ms round trip: 1,726 segments fill the pipe, 200 more the queue. Slow start's bursts
        // (1 Gbit/s into 100 Mbit/s) overflow the queue first, near 1,000 segments, in both flows alike.
        var oneWay = SimTime.FromMilliseconds(100);
        var window = new Dictionary<CongestionControlKind, (int AtLoss, int TenSecondsLater)>();
        foreach (var cc in new[] { CongestionControlKind.NewReno, CongestionControlKind.Cubic })
        {
            var options = TcpOptions.Linux with { CongestionControl = cc };
            var (_, sender, trace) = BulkThroughBottleneck(options, oneWay, queue: 200, SimTime.FromSeconds(45));
            var loss = Peaks(trace)[0];
            var later = trace.Samples.First(s => s.At >= loss.At + SimTime.FromSeconds(10));
            window[cc] = (loss.Window, later.Window);
            output.WriteLine($"{cc}: loss at {loss.At.TotalSeconds:F2} s with {loss.Window}, 10 s later {later.Window}, rto {sender.Statistics.Timeouts}");
        }

        // NewReno: half the window plus one segment per 200 ms round trip: 0.5 + 50/1032 = 0.55 of it after 10 s.
        // CUBIC: 0.7 of it, then W_max + 0.4 (t - K)^3 with K = cbrt(0.3 W_max / 0.4) = 9.2 s: all of it.
        double reno = (double)window[CongestionControlKind.NewReno].TenSecondsLater / window[CongestionControlKind.NewReno].AtLoss;
        double cubic = (double)window[CongestionControlKind.Cubic].TenSecondsLater / window[CongestionControlKind.Cubic].AtLoss;
        Assert.InRange(reno, 0.5, 0.6);
        Assert.InRange(cubic, 0.95, 1.05);
    }

    [Fact]
    public void Under_random_loss_SACK_recovery_resends_what_was_lost_and_not_what_the_receiver_holds()
    {
        // 2% of packets dropped at the router (about 5 Mbit/s by Mathis et al.'s 1.22 MSS / (RTT sqrt p)): the
        // receiver should almost never get a byte twice, timeouts included.
        var n = TwoNodes.ThroughBottleneck(CostTable.Free(), 10 * HundredMeg, HundredMeg, SimTime.FromMilliseconds(10), 100);
        var router = n.Bottleneck!.Namespace;
        router.EnableNetfilter().FilterForward.Append(new NetPerf.Network.Netfilter.Rule
        {
            Protocol = NetPerf.Network.Packets.IpProtocol.Tcp, Probability = 0.02, Target = NetPerf.Network.Netfilter.RuleTarget.Drop,
        });
        var sink = new Sink();
        _ = new TcpListener(n.HostB.Root, 5001, sink);
        var sender = TcpSocket.Connect(n.HostA.Root, TwoNodes.FarB, 5001, new Source(5_000_000));
        n.Bed.Sim.RunUntil(SimTime.FromSeconds(30));

        output.WriteLine($"received {sink.Received}, retransmitted {sender.Statistics.RetransmittedSegments} segments, duplicates {sink.Socket!.Statistics.DuplicateBytesReceived} B, fast retransmits {sender.Statistics.FastRetransmits}, timeouts {sender.Statistics.Timeouts}");
        Assert.Equal(5_000_000, sink.Received);
        Assert.True(sender.Statistics.FastRetransmits > 10);
        long resentBytes = sender.Statistics.RetransmittedSegments * sender.SegmentPayload;
        Assert.True(sink.Socket.Statistics.DuplicateBytesReceived < resentBytes / 20, "at most 5% of what is resent arrives twice");
    }
}
