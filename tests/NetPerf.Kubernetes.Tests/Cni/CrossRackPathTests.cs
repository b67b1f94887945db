using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Pod-to-pod paths on two racks (node1 and node3 in rack 1, node2 in rack 2): the exact hops through the
/// top-of-rack router, the spine and the other ToR, with and without encapsulation, and the routes that give them.
/// </summary>
public class CrossRackPathTests
{
    private static KubernetesCluster TwoRacks(string cni) =>
        new(new ClusterOptions { Nodes = 3, Racks = 2, Costs = CostTable.Uniform(StageCost.Nanoseconds(100)) }, CniPlugin.ByName(cni));

    private static (Collector Got, RecordingTracer Trace, KubernetesCluster Cluster) SendOne(string cni, int fromNode, int toNode)
    {
        var cluster = TwoRacks(cni);
        var client = cluster.AddPod("client", fromNode);
        var server = cluster.AddPod("server", toNode);
        var got = new Collector();
        _ = new UdpSocket(server.Namespace, server.Ip, 5201) { Receiver = got };
        var socket = new UdpSocket(client.Namespace, client.Ip, 40000);
        var trace = new RecordingTracer();
        foreach (var host in cluster.Nodes.Select(n => n.Host).Concat(cluster.Fabric!.Routers))
        {
            host.Tracer = trace;
        }

        socket.Send(server.Ip, 5201, 100);
        cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromMilliseconds(10));
        return (got, trace, cluster);
    }

    private static readonly string[] ClientPod =
        ["node1/client Syscall", "node1/client UdpOutput", "node1/client FibLookup", "node1/client/eth0 IpOutput", "node1/client/eth0 VethTransmit",
            "node1/root/cali00000000001 BacklogReceive", "node1/root/cali00000000001 IpInput", "node1/root/cali00000000001 FibLookup"];

    private static string[] ServerPod(int node) =>
    [
        $"node{node}/root/cali00000000002 IpForward", $"node{node}/root/cali00000000002 VethTransmit",
        $"node{node}/server/eth0 BacklogReceive", $"node{node}/server/eth0 IpInput", $"node{node}/server/eth0 FibLookup", $"node{node}/server UdpInput", $"node{node}/server SocketDeliver",
    ];

    // node1 eth0 -> tor1 (switch port, bridge to its own SVI, route) -> uplink -> spine swp1 -> swp2 -> tor2 uplink -> SVI -> bridge -> port -> node2 eth0
    private static readonly string[] ThroughTheFabric =
    [
        "node1/root/eth0 NicTransmit",
        "tor1/root/port1 NicReceive", "tor1/root/br0 BridgeForward", "tor1/root/br0 IpInput", "tor1/root/br0 FibLookup", "tor1/root/uplink IpForward", "tor1/root/uplink NicTransmit",
        "spine/root/swp1 NicReceive", "spine/root/swp1 IpInput", "spine/root/swp1 FibLookup", "spine/root/swp2 IpForward", "spine/root/swp2 NicTransmit",
        "tor2/root/uplink NicReceive", "tor2/root/uplink IpInput", "tor2/root/uplink FibLookup", "tor2/root/br0 IpForward", "tor2/root/br0 BridgeForward", "tor2/root/port1 NicTransmit",
        "node2/root/eth0 NicReceive", "node2/root/eth0 IpInput", "node2/root/eth0 FibLookup",
    ];

    // node1 eth0 -> rack 1's switch, bridged port to port (not routed) -> node3 eth0
    private static readonly string[] WithinTheRack =
    [
        "node1/root/eth0 IpForward", "node1/root/eth0 NicTransmit",
        "tor1/root/port1 NicReceive", "tor1/root/br0 BridgeForward", "tor1/root/port2 NicTransmit",
        "node3/root/eth0 NicReceive", "node3/root/eth0 IpInput", "node3/root/eth0 FibLookup",
    ];

    [Fact]
    public void Calico_bgp_crosses_racks_unencapsulated_via_the_local_ToR_the_spine_and_the_remote_ToR()
    {
        var (got, trace, cluster) = SendOne("calico-bgp", 1, 2);
        Assert.Single(got.Got);
        Assert.Empty(trace.Drops);
        Assert.Equal([.. ClientPod, "node1/root/eth0 IpForward", .. ThroughTheFabric, .. ServerPod(2)], trace.Stages);

        // node1: 10.244.2.0/26 via 192.168.1.254 (its ToR, not node2, which is not on-link); the ToRs and the spine
        // hold the blocks as if each node had announced its block to its ToR over BGP.
        var block2 = CalicoRouted.Block(cluster.Node(2));
        Assert.Equal(Ipv4Address.Parse("192.168.1.254"), cluster.Node(1).Root.Fib.Find(block2)!.NextHops[0].Gateway);
        Assert.Equal(Ipv4Address.Parse("192.168.2.1"), cluster.Fabric!.Tor(2).Host.Root.Fib.Find(block2)!.NextHops[0].Gateway);
        Assert.Equal(Ipv4Address.Parse("192.168.0.5"), cluster.Fabric.Spine.Host.Root.Fib.Find(block2)!.NextHops[0].Gateway);
        Assert.Equal(0, cluster.Fabric.Routers.Sum(r => r.TotalCpuPicoseconds)); // forwarded in hardware
    }

    [Fact]
    public void Calico_bgp_within_a_rack_goes_node_to_node_over_the_rack_switch()
    {
        var (got, trace, cluster) = SendOne("calico-bgp", 1, 3);
        Assert.Single(got.Got);
        Assert.Equal([.. ClientPod, .. WithinTheRack, .. ServerPod(3)], trace.Stages);
        Assert.Equal(cluster.Node(3).Ip, cluster.Node(1).Root.Fib.Find(CalicoRouted.Block(cluster.Node(3)))!.NextHops[0].Gateway);
    }

    [Fact]
    public void Calico_ipip_crosssubnet_encapsulates_to_a_node_on_another_rack()
    {
        var (got, trace, cluster) = SendOne("calico-ipip-crosssubnet", 1, 2);
        Assert.Single(got.Got);
        Assert.Empty(trace.Drops);
        Assert.Equal(
        [
            .. ClientPod, "node1/root/tunl0 IpForward", "node1/root/tunl0 IpipEncapsulate", "node1/root FibLookup", "node1/root/eth0 IpOutput",
            .. ThroughTheFabric,
            "node2/root/tunl0 IpipDecapsulate", "node2/root/tunl0 BacklogReceive", "node2/root/tunl0 IpInput", "node2/root/tunl0 FibLookup", .. ServerPod(2),
        ], trace.Stages);

        // 10.244.2.0/26 via 192.168.2.1 dev tunl0 onlink; the fabric routes only node addresses.
        var route = cluster.Node(1).Root.Fib.Find(CalicoRouted.Block(cluster.Node(2)))!;
        Assert.Equal(cluster.Node(2).Ip, route.NextHops[0].Gateway);
        Assert.True(route.NextHops[0].OnLink);
        Assert.Null(cluster.Fabric!.Spine.Host.Root.Fib.Find(CalicoRouted.Block(cluster.Node(2))));
    }

    [Fact]
    public void Calico_ipip_crosssubnet_routes_directly_to_a_node_of_its_own_rack()
    {
        var (got, trace, _) = SendOne("calico-ipip-crosssubnet", 1, 3);
        Assert.Single(got.Got);
        Assert.Equal([.. ClientPod, .. WithinTheRack, .. ServerPod(3)], trace.Stages); // no tunl0: the same hops as calico-bgp
    }

    [Fact]
    public void Calico_vxlan_crosssubnet_encapsulates_to_a_node_on_another_rack()
    {
        var (got, trace, cluster) = SendOne("calico-vxlan-crosssubnet", 1, 2);
        Assert.Single(got.Got);
        Assert.Equal(
        [
            .. ClientPod, "node1/root/vxlan.calico IpForward", "node1/root/vxlan.calico VxlanEncapsulate", "node1/root FibLookup", "node1/root/eth0 IpOutput",
            .. ThroughTheFabric,
            "node2/root UdpInput", "node2/root/vxlan.calico VxlanDecapsulate", "node2/root/vxlan.calico BacklogReceive", "node2/root/vxlan.calico IpInput",
            "node2/root/vxlan.calico FibLookup", .. ServerPod(2),
        ], trace.Stages);

        // 10.244.2.0/26 via 10.244.2.0 (node2's vxlan.calico address) dev vxlan.calico onlink
        var route = cluster.Node(1).Root.Fib.Find(CalicoRouted.Block(cluster.Node(2)))!;
        Assert.Equal(Ipv4Address.Parse("10.244.2.0"), route.NextHops[0].Gateway);
        Assert.True(route.NextHops[0].OnLink);
    }

    [Theory]
    [InlineData("flannel-vxlan", 1398)]
    [InlineData("calico-bgp", 1448)]
    [InlineData("calico-ipip", 1428)]
    [InlineData("calico-ipip-crosssubnet", 1428)]
    [InlineData("calico-vxlan", 1398)]
    [InlineData("calico-vxlan-crosssubnet", 1398)]
    public void TCP_across_racks_delivers_every_byte_with_the_plugins_segment_size(string cni, int payload)
    {
        // The fabric's 9216-byte ports never bind: the segment is the pod MTU less 52 (IP, TCP, timestamps).
        var cluster = TwoRacks(cni);
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("server", 2);
        var sink = new TcpCounter();
        _ = new TcpListener(server.Namespace, 5001, sink);
        var socket = TcpSocket.Connect(client.Namespace, server.Ip, 5001, new TcpWriter(1_000_000));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));
        Assert.Equal(payload, socket.SegmentPayload);
        Assert.Equal(1_000_000, sink.Received);
    }
}
