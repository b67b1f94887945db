using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Fabric;
using NetPerf.Network.Addressing;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Tests.Fabric;

/// <summary>
/// Racks numbered in the node subnet: Kubernetes' 5,000 nodes on a leaf-spine fabric in a /19, every node an address
/// of its own inside the subnet and its rack's /24, every ToR-spine link a /31 of its own, none of them meeting
/// another's or the outside segment.
/// </summary>
public class RackAddressingTests
{
    private static readonly Ipv4Prefix Slash19 = Ipv4Prefix.Parse("192.168.0.0/19");

    [Fact]
    public void Five_thousand_nodes_on_twenty_racks_of_a_slash_19_each_have_a_unique_address_in_the_subnet_and_its_racks_slash_24()
    {
        var racks = new RackAddressing(Slash19, RackAddressing.RacksFor(5_000)); // 20 racks: 5,000 / 253 rounded up
        Assert.Equal(20, racks.Racks);
        var seen = new HashSet<Ipv4Address>();
        for (int n = 1; n <= 5_000; n++)
        {
            var ip = racks.NodeAddress(n);
            var rack = racks.RackSubnet(racks.RackOf(n));
            Assert.True(seen.Add(ip), $"node {n}: {ip} already given");
            Assert.True(Slash19.Contains(ip), $"node {n}: {ip} outside {Slash19}");
            Assert.True(rack.Contains(ip), $"node {n}: {ip} outside its rack's {rack}");
            Assert.NotEqual(racks.Gateway(racks.RackOf(n)), ip);
            Assert.InRange(ip.Value - rack.Network.Value, 1u, 253u); // neither the network, the ToR (.254) nor broadcast
            Assert.False(racks.OutsideSubnet.Contains(ip));
        }

        // Round robin: 250 a rack, the racks' /24s distinct and inside the subnet.
        Assert.All(Enumerable.Range(1, 20), r => Assert.Equal(250, Enumerable.Range(1, 5_000).Count(n => racks.RackOf(n) == r)));
        Assert.Equal(20, Enumerable.Range(1, 20).Select(racks.RackSubnet).Distinct().Count());
        Assert.Equal(Ipv4Prefix.Parse("192.168.31.0/24"), racks.OutsideSubnet);
    }

    [Fact]
    public void Every_ToR_to_spine_link_is_a_slash_31_of_its_own_outside_every_rack_and_the_outside_segment()
    {
        // The most racks a /19 numbers, each cabled to the most spines.
        int most = RackAddressing.MaxRacks(Slash19);
        var racks = new RackAddressing(Slash19, most);
        var links = new HashSet<uint>();
        for (int r = 1; r <= most; r++)
        {
            for (int s = 1; s <= RackAddressing.MaxSpines; s++)
            {
                var spine = racks.SpineAddress(r, s);
                Assert.Equal(0u, spine.Value & 1); // RFC 3021: the even address and the odd one of a /31
                Assert.Equal(spine.Value + 1, racks.UplinkAddress(r, s).Value);
                Assert.True(links.Add(spine.Value >> 1), $"ToR {r} to spine {s}: {spine}/31 already given");
                Assert.True(Slash19.Contains(spine));
                Assert.DoesNotContain(Enumerable.Range(1, most), x => racks.RackSubnet(x).Contains(spine));
                Assert.False(racks.OutsideSubnet.Contains(spine));
            }
        }
    }

    [Fact]
    public void A_slash_20_numbers_14_racks_as_before_and_a_slash_19_numbers_29()
    {
        // The default /20: links in its first /24, racks 192.168.R.0/24, the outside segment its last: 14 racks.
        var fourteen = new RackAddressing(Ipv4Prefix.Parse("192.168.0.0/20"), 14);
        Assert.Equal(Ipv4Prefix.Parse("192.168.14.0/24"), fourteen.RackSubnet(14));
        Assert.Equal(Ipv4Address.Parse("192.168.0.2"), fourteen.SpineAddress(1));
        Assert.Equal(Ipv4Address.Parse("192.168.0.252"), fourteen.SpineAddress(14, 8));
        Assert.Equal(14, RackAddressing.MaxRacks(Ipv4Prefix.Parse("192.168.0.0/20")));

        // A /19 has 32 /24s: past 15 racks the links take a second /24, so 29 racks and the outside segment fit.
        Assert.Equal(29, RackAddressing.MaxRacks(Slash19));
        Assert.Equal(7_337, RackAddressing.MaxNodesOn(Slash19));
        var twenty = new RackAddressing(Slash19, 20);
        Assert.Equal(Ipv4Prefix.Parse("192.168.2.0/24"), twenty.RackSubnet(1));
        Assert.Equal(Ipv4Prefix.Parse("192.168.21.0/24"), twenty.RackSubnet(20));
        Assert.Equal(Ipv4Address.Parse("192.168.1.8"), twenty.SpineAddress(20)); // ToR 20: the second links /24, .2 x (20 - 16)
    }

    [Fact]
    public void A_cross_rack_packet_on_the_five_thousand_node_layout_goes_leaf_spine_leaf_over_one_spine()
    {
        // The threshold cluster's fabric (20 racks of a /19, 4 spines) with two nodes a rack: node 1 is in rack 1,
        // node 20 in rack 20, whose links are in the second links /24.
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 40, Racks = 20, Spines = 4, NodeSubnet = Slash19 }, new FlannelVxlan());
        var from = cluster.Node(1);
        var to = cluster.Node(20);
        Assert.Equal((1, 20), (from.Rack, to.Rack));
        Assert.Equal(Ipv4Address.Parse("192.168.21.1"), to.Ip);
        Assert.Equal(Ipv4Address.Parse("192.168.21.254"), to.Gateway);

        var sink = new UdpSocket(to.Root, to.Ip, 9);
        var client = new UdpSocket(from.Root, from.Ip, 20_000);
        for (int i = 0; i < 10; i++)
        {
            _ = client.Send(to.Ip, 9, 100); // one flow: one spine
        }

        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(5));
        Assert.Equal(10, sink.Received);

        // Leaf: rack 1's ToR sent all ten up one uplink. Spine: that spine took them in from rack 1 and out to rack 20.
        // Leaf: rack 20's ToR took them in on its uplink to the same spine.
        var fabric = cluster.Fabric!;
        int spine = fabric.Spines.Select((s, i) => (s, i)).Single(x => x.s.Ports[0].ReceivedPerQueue.Sum() > 0).i;
        Assert.Equal(10, fabric.Spines[spine].Ports[0].ReceivedPerQueue.Sum());
        Assert.Equal(10, fabric.Tor(20).Uplinks[spine].ReceivedPerQueue.Sum());
        Assert.All(fabric.Spines.Where((_, i) => i != spine), s => Assert.Equal(0, s.Ports[0].ReceivedPerQueue.Sum()));
        Assert.All(Enumerable.Range(2, 18), r => Assert.All(fabric.Tor(r).Uplinks, u => Assert.Equal(0, u.ReceivedPerQueue.Sum()))); // no other rack saw them
    }
}
