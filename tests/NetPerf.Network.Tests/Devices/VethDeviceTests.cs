using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Devices;

/// <summary>
/// What a veth pair keeps of a packet's state (dev_forward_skb: skb_scrub_packet(skb, xnet)): crossing into
/// another namespace it forgets its conntrack reference and its mark; within one namespace (Weave's vethwe-bridge /
/// vethwe-datapath) it forgets the conntrack reference and keeps the mark (ff70202b2d1a). With tx checksumming off
/// it has no TSO, so a GSO packet is cut into its segments before veth_xmit (validate_xmit_skb).
/// </summary>
public class VethDeviceTests
{
    private sealed class Seen : TcProgram
    {
        public (int Conntrack, uint Mark)? Packet { get; private set; }

        public override string Name => "seen";

        public override TcVerdict Run(NetDevice device, ref PacketWalk walk)
        {
            Packet = (walk.P.ConntrackEntry, walk.P.Mark);
            walk.Consume();
            return TcVerdict.Redirected;
        }
    }

    [Theory]
    [InlineData(true, 0u)]
    [InlineData(false, 0x4000u)]
    public void A_veth_drops_the_conntrack_reference_always_and_the_mark_only_across_namespaces(bool acrossNamespaces, uint markAfter)
    {
        var bed = new Testbed();
        var host = new Host(bed, "h", CostTable.Free(), cores: 1);
        var other = acrossNamespaces ? host.CreateNamespace("pod") : host.Root;
        var (a, b) = VethDevice.CreatePair(host.Root, "a", other, "b");
        var seen = new Seen();
        b.TcIngress = seen;
        int packet = host.Pool.Rent();
        host.Pool[packet].ConntrackEntry = 5;
        host.Pool[packet].Mark = 0x4000;
        var walk = new PacketWalk(host, packet);
        a.Transmit(ref walk);
        bed.Sim.Run();

        Assert.Equal((0, markAfter), seen.Packet);
    }

    /// <summary>Counts what the peer receives: each packet, and the payload of each.</summary>
    private sealed class Received : TcProgram
    {
        public List<int> Payloads { get; } = [];

        public override string Name => "received";

        public override TcVerdict Run(NetDevice device, ref PacketWalk walk)
        {
            Payloads.Add(walk.P.Segments == 1 ? walk.P.PayloadBytes : -walk.P.Segments);
            walk.Consume();
            return TcVerdict.Redirected;
        }
    }

    [Theory]
    [InlineData(true, new[] { -3 })]                 // TSO: the super-packet crosses whole, one veth_xmit
    [InlineData(false, new[] { 1000, 1000, 500 })]  // tx off: three segments, three veth_xmits, the last the rest
    public void Without_tx_checksumming_a_GSO_packet_crosses_the_veth_as_its_segments(bool txOn, int[] payloads)
    {
        var costs = CostTable.Default();
        var bed = new Testbed();
        var host = new Host(bed, "h", costs, cores: 1);
        var (a, b) = VethDevice.CreatePair(host.Root, "a", host.CreateNamespace("pod"), "b");
        a.TxChecksumOffload = txOn;
        var received = new Received();
        b.TcIngress = received;
        int packet = host.Pool.Rent();
        ref var p = ref host.Pool[packet];
        p.TransportHeaderBytes = 20;
        p.PayloadBytes = 2500;
        p.GsoSegments = 3;
        p.GsoSize = 1000;
        var walk = new PacketWalk(host, packet);
        a.Transmit(ref walk);
        bed.Sim.Run();

        Assert.Equal(payloads, received.Payloads);
        Assert.Equal(payloads.Length * costs.Of(KernelStage.VethTransmit, 0), host.CpuPicosecondsOf(KernelStage.VethTransmit));
        Assert.Equal(txOn ? 0 : 3 * costs.Of(KernelStage.GsoSegment, 0), host.CpuPicosecondsOf(KernelStage.GsoSegment));
    }
}
