using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;
using NetPerf.Workloads.Tcp;

namespace NetPerf.Workloads.Tests;

public class VxlanSuperPacketCostTests
{
    [Fact]
    public void A_GSO_super_packet_pays_VXLAN_once_and_per_byte_only_over_the_outer_headers_whatever_its_size()
    {
        // The shipped table: VxlanEncapsulate 1707.7 ns + 0.145 ns/byte, VxlanDecapsulate 519.3 ns + 0.145 ns/byte.
        var costs = CostTable.Default();
        var pair = NodePair.FlannelVxlan(costs);
        var sender = new TunnelCosts(pair.Nodes[1]);
        var receiver = new TunnelCosts(pair.Nodes[2]);
        pair.Nodes[1].Tracer = sender;
        pair.Nodes[2].Tracer = receiver;
        var endpoints = new Endpoints(pair.Pods1[0], pair.Pod2, NodePair.PodIp(2, 1), 5001);
        var stream = new TcpStream("stream", endpoints, options: TcpOptions.Linux with { ReceiveWindowBytes = 512 * 1024 }, flowId: 1);
        _ = new WorkloadRunner(pair.Bed.Sim, pair.Nodes[1..]).Run([stream], SimTime.FromMilliseconds(2), SimTime.FromMilliseconds(5));

        long Header(KernelStage stage) => costs.Of(stage, HeaderSizes.VxlanOverhead);

        // vxlan_xmit_one builds one outer header per super-packet and leaves the payload's checksum partial: the
        // same cost for a super-packet of 2 segments as for one of 45.
        var encapsulated = sender.Seen[KernelStage.VxlanEncapsulate].Where(c => c.Segments > 1).ToList();
        Assert.True(encapsulated.Select(c => c.Segments).Distinct().Count() > 1, "super-packets of more than one size");
        Assert.All(encapsulated, c => Assert.Equal(Header(KernelStage.VxlanEncapsulate), c.Cost));

        // vxlan_rcv runs once per GRO aggregate, pulling the outer headers only.
        var decapsulated = receiver.Seen[KernelStage.VxlanDecapsulate].Where(c => c.Segments > 1).ToList();
        Assert.NotEmpty(decapsulated);
        Assert.All(decapsulated, c => Assert.Equal(Header(KernelStage.VxlanDecapsulate), c.Cost));

        // A packet that is not a super-packet (the receiver's ACKs) still pays per byte over its size, as measured.
        var acks = receiver.Seen[KernelStage.VxlanEncapsulate];
        Assert.NotEmpty(acks);
        Assert.All(acks, c => Assert.Equal(1, c.Segments));
        Assert.All(acks, c => Assert.Equal(costs.Of(KernelStage.VxlanEncapsulate, c.IpLength), c.Cost));
    }

    /// <summary>The VXLAN stages one host charged, with the size of the packet each was charged for.</summary>
    private sealed class TunnelCosts(Host host) : IPacketTracer
    {
        public Dictionary<KernelStage, List<(int Segments, int IpLength, long Cost)>> Seen { get; } = new()
        {
            [KernelStage.VxlanEncapsulate] = [],
            [KernelStage.VxlanDecapsulate] = [],
        };

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
            if (Seen.TryGetValue(stage, out var list))
            {
                ref var p = ref host.Pool[packet];
                list.Add((p.Segments, p.IpLength, costPicoseconds));
            }
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }
    }
}
