using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Network.Tests.Stack;

/// <summary>A host, a router, a host; the router's second link has an MTU of 1400.</summary>
public class PathMtuTests
{
    private static (Testbed Bed, NetworkNamespace A, NetworkNamespace B, Host Host) Build()
    {
        var bed = new Testbed();
        var host = new Host(bed, "lab", CostTable.Free(), 1);
        var a = host.CreateNamespace("a");
        var r = host.CreateNamespace("r");
        var b = host.CreateNamespace("b");
        r.IpForward = true;
        var (va, r1) = VethDevice.CreatePair(a, "eth0", r, "r1", mtu: 1500);
        var (r2, vb) = VethDevice.CreatePair(r, "r2", b, "eth0", mtu: 1400);
        a.AddAddress(va, "10.0.1.1/24");
        r.AddAddress(r1, "10.0.1.254/24");
        r.AddAddress(r2, "10.0.2.254/24");
        b.AddAddress(vb, "10.0.2.1/24");
        a.AddRoute("0.0.0.0/0", va, via: "10.0.1.254");
        b.AddRoute("0.0.0.0/0", vb, via: "10.0.2.254");
        return (bed, a, b, host);
    }

    [Fact]
    public void A_DF_datagram_too_big_for_a_later_link_brings_back_fragmentation_needed_and_the_sender_learns_the_path_MTU()
    {
        var (bed, a, b, host) = Build();
        var server = new UdpSocket(b, Ipv4Address.Parse("10.0.2.1"), 9) { Receiver = new Collector() };
        var client = new UdpSocket(a, Ipv4Address.Parse("10.0.1.1"), 5000);
        var dest = Ipv4Address.Parse("10.0.2.1");

        Assert.True(client.Send(dest, 9, 1472, dontFragment: true)); // 1500 bytes: fits the first link only
        bed.Sim.Run();
        Assert.Equal(0, server.Received);
        Assert.Equal(1, host.Drops(DropReason.PktTooBig));
        Assert.Equal(1400, a.PathMtu(dest));

        Assert.False(client.Send(dest, 9, 1472, dontFragment: true)); // EMSGSIZE now
        Assert.Equal(1, client.MessageTooLong);
        Assert.True(client.Send(dest, 9, 1372, dontFragment: true));  // exactly 1400
        bed.Sim.Run();
        Assert.Equal(1, server.Received);
        Assert.Equal(0, bed.Pool.InUse);
    }

    [Fact]
    public void Without_DF_the_router_fragments_to_the_smaller_MTU_and_the_receiver_reassembles()
    {
        // 1480 bytes of UDP over a 1400 MTU: fragments of 1376 and 104 data bytes.
        var (bed, a, b, host) = Build();
        var got = new Collector();
        _ = new UdpSocket(b, Ipv4Address.Parse("10.0.2.1"), 9) { Receiver = got };
        var tracer = new RecordingTracer();
        host.Tracer = tracer;
        new UdpSocket(a, Ipv4Address.Parse("10.0.1.1"), 5000).Send(Ipv4Address.Parse("10.0.2.1"), 9, 1472);
        bed.Sim.Run();
        Assert.Equal(1500, Assert.Single(got.Got).IpLength);
        Assert.Equal(["lab/r/r2 Fragment", "lab/r/r2 Fragment"], tracer.Stages.Where(s => s.EndsWith("Fragment")));
        Assert.Equal(2, tracer.Cores.Count(c => c.Stage == KernelStage.Reassemble));
        Assert.Equal(1376, Fragmentation.FragmentData(1400));
    }

    [Fact]
    public void A_fragment_fragmented_again_on_a_smaller_link_still_reassembles_into_the_whole_datagram()
    {
        // 3000 bytes leave a in fragments of 1480 data bytes; the router cuts those again for its 1400 link.
        var (bed, a, b, _) = Build();
        var got = new Collector();
        _ = new UdpSocket(b, Ipv4Address.Parse("10.0.2.1"), 9) { Receiver = got };
        var sender = a.Devices.Single(d => d.Name == "eth0");
        Assert.Equal(1500, sender.Mtu);
        new UdpSocket(a, Ipv4Address.Parse("10.0.1.1"), 5000).Send(Ipv4Address.Parse("10.0.2.1"), 9, 2972);
        bed.Sim.Run();
        Assert.Equal(3000, Assert.Single(got.Got).IpLength);
        Assert.Equal(0, bed.Pool.InUse);
    }

    [Fact]
    public void A_pod_behind_masquerade_gets_the_fragmentation_needed_meant_for_it_and_learns_the_path_MTU()
    {
        // pod -- node (MASQUERADE out of eth1) -- router -- 1400-MTU link -- external host. The router's ICMP
        // goes to the node's address, quoting the masqueraded header; conntrack relates it to the pod's flow
        // and translates both back.
        var bed = new Testbed();
        var host = new Host(bed, "lab", CostTable.Free(), 1);
        var pod = host.CreateNamespace("pod");
        var node = host.CreateNamespace("node");
        var router = host.CreateNamespace("router");
        var ext = host.CreateNamespace("ext");
        node.IpForward = router.IpForward = true;
        var (podEth, cali) = VethDevice.CreatePair(pod, "eth0", node, "cali1");
        var (eth1, r1) = VethDevice.CreatePair(node, "eth1", router, "r1");
        var (r2, extEth) = VethDevice.CreatePair(router, "r2", ext, "eth0", mtu: 1400);
        pod.AddAddress(podEth, "10.244.1.2/24");
        node.AddAddress(cali, "10.244.1.1/24");
        node.AddAddress(eth1, "192.168.0.1/24");
        router.AddAddress(r1, "192.168.0.254/24");
        router.AddAddress(r2, "10.0.2.254/24");
        ext.AddAddress(extEth, "10.0.2.1/24");
        pod.AddRoute("0.0.0.0/0", podEth, via: "10.244.1.1");
        node.AddRoute("0.0.0.0/0", eth1, via: "192.168.0.254");
        ext.AddRoute("0.0.0.0/0", extEth, via: "10.0.2.254");
        var nf = node.EnableNetfilter();
        nf.NatPostRouting.Append(new Rule { Source = Ipv4Prefix.Parse("10.244.0.0/16"), OutInterface = "eth1", Target = RuleTarget.Masquerade });
        _ = new UdpSocket(ext, Ipv4Address.Parse("10.0.2.1"), 9) { Receiver = new Collector() };
        var client = new UdpSocket(pod, Ipv4Address.Parse("10.244.1.2"), 5000);
        var dest = Ipv4Address.Parse("10.0.2.1");

        Assert.True(client.Send(dest, 9, 1472, dontFragment: true));
        bed.Sim.Run();
        Assert.Equal(1400, pod.PathMtu(dest));
        Assert.Null(node.PathMtu(dest));
        Assert.Equal(1, nf.Conntrack.Count); // the ICMP error opened no connection of its own
        Assert.False(client.Send(dest, 9, 1472, dontFragment: true));
    }
}
