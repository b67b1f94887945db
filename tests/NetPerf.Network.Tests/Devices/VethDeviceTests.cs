using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Devices;

/// <summary>
/// What a veth pair keeps of a packet's state (dev_forward_skb: skb_scrub_packet(skb, xnet)): crossing into
/// another namespace it forgets its conntrack reference and its mark; within one namespace (Weave's vethwe-bridge /
/// vethwe-datapath) it forgets the conntrack reference and keeps the mark (ff70202b2d1a).
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
}
