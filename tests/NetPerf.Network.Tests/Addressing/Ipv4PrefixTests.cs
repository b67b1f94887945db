using NetPerf.Network.Addressing;

namespace NetPerf.Network.Tests.Addressing;

public class Ipv4PrefixTests
{
    [Fact]
    public void A_node_pod_cidr_contains_its_pods_and_not_the_next_nodes()
    {
        var cidr = Ipv4Prefix.Parse("10.244.1.0/24");
        Assert.True(cidr.Contains(Ipv4Address.Parse("10.244.1.17")));
        Assert.False(cidr.Contains(Ipv4Address.Parse("10.244.2.1")));
        Assert.Equal(256UL, cidr.Size);
        Assert.Equal("10.244.1.255", cidr[255].ToString());
    }

    [Fact]
    public void Host_bits_are_cleared_and_the_text_form_round_trips()
    {
        var p = Ipv4Prefix.Parse("192.168.7.9/16");
        Assert.Equal("192.168.0.0/16", p.ToString());
        Assert.Equal(p, Ipv4Prefix.Parse(p.ToString()));
        Assert.Equal(0xFFFF0000u, p.Mask);
        Assert.Equal(0u, Ipv4Prefix.MaskOf(0));
    }

    [Fact]
    public void A_cluster_cidr_overlaps_its_node_subnets_but_not_the_service_range()
    {
        var cluster = Ipv4Prefix.Parse("10.244.0.0/16");
        Assert.True(cluster.Overlaps(Ipv4Prefix.Parse("10.244.3.0/24")));
        Assert.True(Ipv4Prefix.Parse("10.244.3.0/24").Overlaps(cluster));
        Assert.False(cluster.Overlaps(Ipv4Prefix.Parse("10.96.0.0/12")));
    }

    [Theory]
    [InlineData("10.244.1.0")]
    [InlineData("10.244.1.0/33")]
    [InlineData("10.244.1/24")]
    [InlineData("10.244.1.256/24")]
    public void Malformed_prefixes_are_refused_with_an_example_of_the_form(string text)
    {
        Assert.Contains("e.g. 10.244.0.0/16", Assert.Throws<FormatException>(() => Ipv4Prefix.Parse(text)).Message);
    }
}
