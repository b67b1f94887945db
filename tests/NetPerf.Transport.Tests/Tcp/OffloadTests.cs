using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Tests.Stack;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;
using Xunit.Abstractions;

namespace NetPerf.Transport.Tests.Tcp;

public class OffloadTests(ITestOutputHelper output)
{
    private const long TenGig = 10_000_000_000;
    private const long OneNs = 1000;

    /// <summary>Every stage costs 1 ns flat, so CPU time counts how often each stage ran.</summary>
    private static readonly CostTable Counting = CostTable.Uniform(new StageCost(OneNs, 0));

    private static long Runs(Host host, KernelStage stage) => host.CpuPicosecondsOf(stage) / OneNs;

    private static (TwoNodes Net, TcpSocket Sender) Transfer(NicOffloads offloads, long bytes = 4_000_000, TcpOptions? options = null)
    {
        var n = new TwoNodes(Counting, TenGig, SimTime.FromMicroseconds(10));
        n.NicA.Offloads = offloads;
        n.NicB.Offloads = offloads;
        var sink = new Sink();
        _ = new TcpListener(n.HostB.Root, 5001, sink, options: options);
        var sender = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Source(bytes), options: options);
        n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(50));
        Assert.Equal(bytes, sink.Received);
        Assert.Equal(0, sender.Statistics.RetransmittedSegments);
        return (n, sender);
    }

    [Fact]
    public void With_TSO_the_driver_sends_each_super_packet_once_and_without_it_software_GSO_cuts_every_segment()
    {
        var (on, s1) = Transfer(NicOffloads.All);
        Assert.True(s1.Statistics.SegmentsSent > 5 * s1.Statistics.PacketsSent, "TCP builds super-packets");
        Assert.Equal(s1.Statistics.PacketsSent, Runs(on.HostA, KernelStage.NicTransmit));
        Assert.Equal(0, Runs(on.HostA, KernelStage.GsoSegment));
        Assert.Equal(s1.Statistics.SegmentsSent, on.NicA.TransmitLink!.TransmittedPackets); // the wire carries segments either way

        var (off, s2) = Transfer(NicOffloads.Gro);
        Assert.Equal(s2.Statistics.SegmentsSent, Runs(off.HostA, KernelStage.NicTransmit));
        long multi = s2.Statistics.SegmentsSent - s2.Statistics.PacketsSent + off.NicA.SoftwareSegmented; // segments of super-packets
        Assert.Equal(multi, Runs(off.HostA, KernelStage.GsoSegment));
        Assert.Equal(s1.Statistics.PacketsSent, Runs(on.HostA, KernelStage.TcpOutput)); // above the driver, still once per super-packet
        Assert.Equal(s2.Statistics.PacketsSent, Runs(off.HostA, KernelStage.TcpOutput));
    }

    [Fact]
    public void With_GRO_the_stack_above_the_driver_runs_once_per_aggregate_and_without_it_once_per_segment()
    {
        var (on, s1) = Transfer(NicOffloads.All);
        Assert.Equal(s1.Statistics.PacketsSent, Runs(on.HostB, KernelStage.NicReceive));
        Assert.Equal(s1.Statistics.PacketsSent, Runs(on.HostB, KernelStage.TcpInput));
        Assert.True(Runs(on.HostB, KernelStage.GroReceive) > 0);

        var (off, s2) = Transfer(NicOffloads.Tso | NicOffloads.TunnelSegmentation);
        Assert.Equal(s2.Statistics.SegmentsSent, Runs(off.HostB, KernelStage.NicReceive));
        Assert.Equal(s2.Statistics.SegmentsSent, Runs(off.HostB, KernelStage.TcpInput));
        Assert.Equal(s2.Statistics.SegmentsSent, Runs(off.HostB, KernelStage.IpInput));
        Assert.Equal(0, Runs(off.HostB, KernelStage.GroReceive));
    }

    [Fact]
    public void A_VXLAN_super_packet_is_segmented_by_the_NIC_only_if_it_offloads_tunnel_segmentation()
    {
        foreach (var offloads in new[] { NicOffloads.All, NicOffloads.Tso | NicOffloads.Gro })
        {
            var pair = NodePair.FlannelVxlan(Counting);
            pair.Eth0[1].Offloads = offloads;
            var sink = new Sink();
            _ = new TcpListener(pair.Pod2, 5001, sink);
            var sender = TcpSocket.Connect(pair.Pods1[0], NodePair.PodIp(2, 1), 5001, new Source(2_000_000));
            pair.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));
            Assert.Equal(2_000_000, sink.Received);

            // Either way the VXLAN device encapsulates each super-packet once.
            Assert.Equal(sender.Statistics.PacketsSent, Runs(pair.Nodes[1], KernelStage.VxlanEncapsulate));
            bool tunnelTso = (offloads & NicOffloads.TunnelSegmentation) != 0;
            Assert.Equal(tunnelTso, Runs(pair.Nodes[1], KernelStage.GsoSegment) == 0);
        }
    }

    [Fact]
    public void Offloads_cut_the_kernel_CPU_per_byte_of_a_bulk_flow()
    {
        long Cpu(NicOffloads offloads, bool gso)
        {
            var n = new TwoNodes(CostTable.Default(), TenGig, SimTime.FromMicroseconds(10));
            n.NicA.Offloads = offloads;
            n.NicB.Offloads = offloads;
            var options = TcpOptions.Linux with { Gso = gso };
            _ = new TcpListener(n.HostB.Root, 5001, new Sink(), options: options);
            _ = TcpSocket.Connect(n.HostA.Root, TwoNodes.B, 5001, new Source(8_000_000), options: options);
            n.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200));
            return n.HostA.TotalCpuPicoseconds + n.HostB.TotalCpuPicoseconds;
        }

        double on = Cpu(NicOffloads.All, gso: true) / 8e6 / 1000;
        double off = Cpu(NicOffloads.None, gso: false) / 8e6 / 1000;
        output.WriteLine($"kernel CPU per byte: offloads on {on:F3} ns, off {off:F3} ns, ratio {off / on:F2}");
        Assert.True(off > 2 * on);
    }
}
