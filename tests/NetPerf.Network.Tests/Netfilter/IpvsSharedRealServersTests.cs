using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

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

    [Fact]
    public void A_weight_the_control_plane_sets_on_the_list_quiesces_the_server_on_every_node_and_a_nodes_own_comes_first()
    {
        // kube-proxy writes weight 0 for a terminating endpoint on every node (graceful_termination.go); an
        // `ipvsadm -e` on one node alone sets that node's.
        var (a, b, servers) = TwoNodes(3);
        servers.SetWeight(0, 0);
        Assert.Equal([1, 2, 1], [a.Schedule(), a.Schedule(), a.Schedule()]);
        b.SetWeight(0, 2);
        Assert.Equal([0, 1, 2], [b.Schedule(), b.Schedule(), b.Schedule()]);
        Assert.Equal([0, 1, 1], a.Weights);
        Assert.Equal([2, 1, 1], b.Weights);
    }

    [Fact]
    public void A_node_sharing_a_table_of_virtual_services_refuses_one_of_its_own_at_the_same_address_and_port()
    {
        // ipvsadm -A of a service that exists: EEXIST ("Service already exists").
        var table = new IpvsServiceTable();
        table.Add(IpProtocol.Tcp, Vip, 80, IpvsScheduler.RoundRobin, new IpvsRealServers());
        var ipvs = new Host(new Testbed(), "a", CostTable.Free(), 1).Root.EnableIpvs();
        ipvs.Share(table);
        Assert.Throws<InvalidOperationException>(() => ipvs.AddService(IpProtocol.Tcp, Vip, 80));
        Assert.NotNull(ipvs.AddService(IpProtocol.Tcp, Vip, 443));
        Assert.Equal(IpvsScheduler.RoundRobin, ipvs.Find(IpProtocol.Tcp, Vip, 80)!.Scheduler);
        Assert.Same(ipvs.Find(IpProtocol.Tcp, Vip, 80), ipvs.Find(IpProtocol.Tcp, Vip, 80)); // made once, then this node's
        Assert.Null(ipvs.Find(IpProtocol.Udp, Vip, 80));
    }
}
