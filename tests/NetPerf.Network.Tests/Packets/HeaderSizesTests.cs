using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Packets;

public class HeaderSizesTests
{
    private static Packet Udp(int payload, EncapsulationKind encap = EncapsulationKind.None) => new()
    {
        Flow = new FiveTuple(Ipv4Address.Parse("10.244.1.2"), Ipv4Address.Parse("10.244.2.3"), IpProtocol.Udp, 40000, 5201),
        TransportHeaderBytes = HeaderSizes.Udp,
        PayloadBytes = payload,
        Encapsulation = new Encapsulation(encap, default, 1),
    };

    [Fact]
    public void A_full_size_ethernet_frame_is_1518_bytes_and_1538_on_the_wire()
    {
        Assert.Equal(1518, HeaderSizes.FrameBytes(1500));
        Assert.Equal(1538, HeaderSizes.WireBytes(1500));
    }

    [Fact]
    public void Small_frames_are_padded_to_64_bytes()
    {
        // An empty UDP datagram: 28 B of IP, 46 B of frame before padding.
        Assert.Equal(64, Udp(0).WireBytes - HeaderSizes.PreambleAndGap);
        Assert.Equal(84, Udp(0).WireBytes);
    }

    [Fact]
    public void VXLAN_on_a_1500_byte_underlay_carries_at_most_a_1450_byte_inner_packet_in_a_1514_plus_4_byte_frame()
    {
        var p = Udp(1450 - 28, EncapsulationKind.Vxlan);
        Assert.Equal(1450, p.InnerIpLength);
        Assert.Equal(1500, p.IpLength);
        Assert.Equal(1514 + 4, HeaderSizes.FrameBytes(p.IpLength));
        Assert.Equal(50, HeaderSizes.VxlanOverhead);
    }

    [Fact]
    public void Geneve_without_options_on_a_1500_byte_underlay_carries_a_1450_byte_inner_packet_as_VXLAN_does()
    {
        // drivers/net/geneve.c GENEVE_IPV4_HLEN: ETH_HLEN 14 + iphdr 20 + udphdr 8 + genevehdr 8.
        var p = Udp(1450 - 28, EncapsulationKind.Geneve);
        Assert.Equal(1450, p.InnerIpLength);
        Assert.Equal(1500, p.IpLength);
        Assert.Equal(1514 + 4, HeaderSizes.FrameBytes(p.IpLength));
        Assert.Equal(14 + 20 + 8 + 8, HeaderSizes.GeneveOverhead);
    }

    [Fact]
    public void IP_in_IP_costs_20_bytes_so_the_inner_MTU_is_1480()
    {
        var p = Udp(1480 - 28, EncapsulationKind.IpInIp);
        Assert.Equal(1500, p.IpLength);
    }
}
