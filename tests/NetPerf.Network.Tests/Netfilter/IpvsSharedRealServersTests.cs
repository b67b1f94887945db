using NetPerf.Network.Addressing;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;

namespace NetPerf.Network.Tests.Netfilter;

/// <summary>
/// kube-proxy programs the same real servers on every node, so one list serves every node's virtual service;
/// what each node's kernel keeps of its own (ip_vs_rr's position, weights, active connections) stays its own.
/// </summary>
public sealed class IpvsSharedRealServersTests
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.10");

    private static (IpvsVirtualService A, IpvsVirtualService B, IpvsRealServers Servers) TwoNodes(int count)
    {
        var servers = new IpvsRealServers();
        for (int i = 1; i <= count; i++)
        {
            servers.Add(Ipv4Address.Parse($"10.244.1.{i}"), 8080);
        }

        return (new IpvsVirtualService(IpProtocol.Tcp, Vip, 80, IpvsScheduler.RoundRobin, servers), new IpvsVirtualService(IpProtocol.Tcp, Vip, 80, IpvsScheduler.RoundRobin, servers), servers);
    }

    [Fact]
    public void Each_node_round_robins_from_its_own_position_over_the_shared_list()
    {
        var (a, b, _) = TwoNodes(3);
        Assert.Equal([0, 1, 2, 0], [a.Schedule(), a.Schedule(), a.Schedule(), a.Schedule()]);
        Assert.Equal(0, b.Schedule()); // node b's first connection: its own first pick, not the one after node a's
        Assert.Equal([2, 1, 1], a.ActiveConnections);
        Assert.Equal([1, 0, 0], b.ActiveConnections);
    }

    [Fact]
    public void A_weight_set_on_one_node_quiesces_the_server_there_only()
    {
        var (a, b, _) = TwoNodes(2);
        a.SetWeight(0, 0);
        Assert.Equal([1, 1], [a.Schedule(), a.Schedule()]);
        Assert.Equal([0, 1], [b.Schedule(), b.Schedule()]);
    }

    [Fact]
    public void A_server_added_once_is_a_real_server_of_every_node_sharing_the_list()
    {
        var (a, b, servers) = TwoNodes(1);
        servers.Add(Ipv4Address.Parse("10.244.2.7"), 8080);
        Assert.Equal(2, a.RealServers.Count);
        Assert.Equal(Ipv4Address.Parse("10.244.2.7"), b.RealServers[1].Address);
        Assert.Equal([0, 1], [b.Schedule(), b.Schedule()]);
    }
}
