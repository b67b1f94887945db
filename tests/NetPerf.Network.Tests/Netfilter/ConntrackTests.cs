using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Netfilter;

public class ConntrackTests
{
    private static readonly FiveTuple Flow = new(
        Ipv4Address.Parse("10.244.1.2"), Ipv4Address.Parse("10.244.1.3"), IpProtocol.Udp, 7000, 7000);

    [Fact]
    public void Dropping_a_clone_keeps_the_shared_unconfirmed_connection_and_dropping_the_original_frees_it()
    {
        // As skbs share a refcounted nf_conn: a dropped clone lets go of its reference, nothing more.
        var bed = new Testbed();
        var host = new Host(bed, "h", CostTable.Free(), 1);
        var nf = host.Root.EnableNetfilter();
        int id = nf.Conntrack.Create(Flow, 0);

        int clone = bed.Pool.Rent();
        bed.Pool[clone].ConntrackEntry = id;
        bed.Pool[clone].ConntrackShared = true;
        var cloneWalk = new PacketWalk(host, clone);
        nf.Forget(ref cloneWalk);
        Assert.Equal(1, nf.Conntrack.Allocated);

        int original = bed.Pool.Rent();
        bed.Pool[original].ConntrackEntry = id;
        var originalWalk = new PacketWalk(host, original);
        nf.Forget(ref originalWalk);
        Assert.Equal(0, nf.Conntrack.Allocated);
    }
}
