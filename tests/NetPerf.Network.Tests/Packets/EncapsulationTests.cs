using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Packets;

public class EncapsulationTests
{
    [Fact]
    public void One_inner_flow_keeps_one_outer_source_port_and_many_flows_spread_over_the_local_port_range()
    {
        var ports = new HashSet<ushort>();
        for (ushort sport = 30000; sport < 31000; sport++)
        {
            var flow = new FiveTuple(Ipv4Address.Parse("10.244.1.2"), Ipv4Address.Parse("10.244.2.3"), IpProtocol.Tcp, sport, 80);
            ushort port = Encapsulation.UdpFlowSourcePort(flow.Hash());
            Assert.Equal(port, Encapsulation.UdpFlowSourcePort(flow.Hash()));
            Assert.InRange(port, (ushort)32768, (ushort)60999);
            ports.Add(port);
        }

        // 1000 flows into 28,232 ports: nearly all distinct (expected collisions about 1000^2 / (2 x 28232) = 18).
        Assert.True(ports.Count > 950, $"only {ports.Count} distinct ports");
    }

    [Fact]
    public void The_flow_hash_is_symmetric_only_by_accident_and_differs_for_the_reply_direction()
    {
        var flow = new FiveTuple(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), IpProtocol.Tcp, 1234, 80);
        Assert.Equal(flow, flow.Reversed.Reversed);
        Assert.NotEqual(flow.Hash(), flow.Reversed.Hash());
    }
}
