using NetPerf.Engine.Time;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Transport.Tests.Tcp;

/// <summary>
/// The SNAT port race (kubernetes#76699; "A reason for unexplained connection timeouts on Kubernetes/Docker",
/// tech.xing.io): two pods on one node connect at once, from the same source port (each bound it), to one destination outside the
/// pod network; the node masquerades both. Each CPU's get_unique_tuple finds the port free, because neither
/// entry is in the hash until its confirmation, so both keep it; the second __nf_conntrack_confirm finds the reply
/// tuple taken, drops the SYN and counts insert_failed (TCP clashes are never resolved, nf_ct_resolve_clash), and
/// the client resends it after its initial RTO (TCP_TIMEOUT_INIT, 1 s). --random-fully never keeps the port.
/// </summary>
public class SnatRaceTests
{
    private static (NodePair Pair, TcpSocket First, TcpSocket Second) Race(NatPortSelection selection)
    {
        var pair = NodePair.FlannelVxlan(CostTable.Default(), cores: 2, pods1: 2);
        pair.Nodes[1].Root.EnableNetfilter().NatPostRouting.Append(new Rule
        {
            Source = Ipv4Prefix.Parse("10.244.0.0/16"), DestinationNotIn = Ipv4Prefix.Parse("10.244.0.0/16"),
            Target = RuleTarget.Masquerade, PortSelection = selection,
        });
        _ = new TcpListener(pair.Nodes[2].Root, 80, new Sink(), core: 1);
        // The same source port from two sources, on two CPUs: each pod bound port 40000 (connect() alone starts each
        // pod's search at an offset hashed from its own address, __inet_hash_connect, so pods share a port by chance).
        var first = TcpSocket.Connect(pair.Pods1[0], NodePair.NodeIp(2), 80, new Idle(), core: 0, localPort: 40000);
        var second = TcpSocket.Connect(pair.Pods1[1], NodePair.NodeIp(2), 80, new Idle(), core: 1, localPort: 40000);
        return (pair, first, second);
    }

    [Fact]
    public void Two_pods_connecting_at_once_from_one_port_lose_a_SYN_to_insert_failed_and_the_loser_connects_after_1_s()
    {
        var (pair, first, second) = Race(NatPortSelection.KeepSource);
        pair.Bed.Sim.RunUntil(SimTime.FromMilliseconds(990));
        Assert.Equal(TcpState.Established, first.State);
        Assert.Equal(TcpState.SynSent, second.State);
        Assert.Equal(1, pair.Nodes[1].ConntrackStatistics().InsertFailed);
        Assert.Equal(1, pair.Nodes[1].Drops(DropReason.ConntrackInsertFailed));

        // The retransmitted SYN finds the winner's entry hashed: the port is taken and another is searched for.
        pair.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1_010));
        Assert.Equal(TcpState.Established, second.State);
        Assert.Equal(1, pair.Nodes[1].ConntrackStatistics().InsertFailed);
    }

    [Fact]
    public void With_random_fully_neither_keeps_the_port_and_both_connect_within_a_millisecond()
    {
        var (pair, first, second) = Race(NatPortSelection.RandomFully);
        pair.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));
        Assert.Equal(TcpState.Established, first.State);
        Assert.Equal(TcpState.Established, second.State);
        Assert.Equal(0, pair.Nodes[1].ConntrackStatistics().InsertFailed);
    }

    [Fact]
    public void On_one_CPU_the_second_connection_sees_the_first_and_takes_another_port()
    {
        var pair = NodePair.FlannelVxlan(CostTable.Default(), cores: 2, pods1: 2);
        pair.Nodes[1].Root.EnableNetfilter().NatPostRouting.Append(new Rule
        {
            Source = Ipv4Prefix.Parse("10.244.0.0/16"), DestinationNotIn = Ipv4Prefix.Parse("10.244.0.0/16"), Target = RuleTarget.Masquerade,
        });
        _ = new TcpListener(pair.Nodes[2].Root, 80, new Sink(), core: 1);
        var first = TcpSocket.Connect(pair.Pods1[0], NodePair.NodeIp(2), 80, new Idle(), core: 0, localPort: 40000);
        var second = TcpSocket.Connect(pair.Pods1[1], NodePair.NodeIp(2), 80, new Idle(), core: 0, localPort: 40000);
        pair.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));
        Assert.Equal(TcpState.Established, first.State);
        Assert.Equal(TcpState.Established, second.State);
        Assert.Equal(0, pair.Nodes[1].ConntrackStatistics().InsertFailed);
    }
}
