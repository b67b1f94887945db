using NetPerf.Kubernetes.Bgp;
using NetPerf.Network.Addressing;

namespace NetPerf.Kubernetes.Tests.Bgp;

/// <summary>Message sizes as RFC 4271 and RFC 4456 lay the fields out.</summary>
public class BgpMessageTests
{
    private static readonly Ipv4Prefix Block = Ipv4Prefix.Parse("10.244.3.0/26");
    private static readonly Ipv4Address Node3 = Ipv4Address.Parse("192.168.0.3");

    [Fact]
    public void A_KEEPALIVE_is_the_19_byte_header_and_an_OPEN_at_least_29_bytes()
    {
        Assert.Equal(19, BgpMessage.Keepalive().Bytes);
        Assert.Equal(21, BgpMessage.Notification(BgpMessage.HoldTimerExpired).Bytes);
        Assert.Equal(29 + 16, BgpMessage.Open(1, Engine.Time.SimTime.FromSeconds(240)).Bytes); // 16: three capabilities in one parameter
    }

    [Fact]
    public void An_UPDATE_for_a_26_block_is_49_bytes_from_its_originator_63_reflected_once_and_28_to_withdraw()
    {
        // 23 fixed + ORIGIN 4 + AS_PATH 3 + NEXT_HOP 7 + LOCAL_PREF 7 + NLRI 1 + 4 octets for 26 bits.
        Assert.Equal(49, BgpMessage.Announce(new BgpPath(Block, Node3, 0, [], null)).Bytes);

        // + ORIGINATOR_ID 7 + CLUSTER_LIST 3 + 4.
        Assert.Equal(63, BgpMessage.Announce(new BgpPath(Block, Node3, Node3.Value, [BgpControlPlane.ReflectorClusterId], null)).Bytes);
        Assert.Equal(28, BgpMessage.Withdraw(Block).Bytes);
        Assert.True(BgpMessage.Withdraw(Block).IsWithdrawal);
    }
}
