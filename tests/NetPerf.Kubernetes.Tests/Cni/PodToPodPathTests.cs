using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Bgp;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Cpu;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Pod-to-pod paths on a three-node cluster behind one switch, for every CNI plugin: the exact hops of
/// ../shared/ARCHITECTURE.md's table (namespace, device, stage), same node and across nodes.
/// </summary>
public class PodToPodPathTests
{
    private static (Collector Got, RecordingTracer Trace) SendOne(string cni, int fromNode, int toNode, bool bgp = false)
    {
        var plugin = bgp ? new CalicoRouted(ipip: cni == "calico-ipip", CalicoRouting.Bgp) : CniPlugin.ByName(cni);
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3, Costs = CostTable.Uniform(StageCost.Nanoseconds(100)) }, plugin);
        if (bgp)
        {
            _ = new BgpControlPlane(cluster);
            cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(3)); // converged, and quiet until the first keepalive (60-80 s)
        }

        var client = cluster.AddPod("client", fromNode);
        var server = cluster.AddPod("server", toNode);
        var got = new Collector();
        _ = new UdpSocket(server.Namespace, server.Ip, 5201) { Receiver = got };
        var socket = new UdpSocket(client.Namespace, client.Ip, 40000);
        var trace = new RecordingTracer();
        foreach (var node in cluster.Nodes)
        {
            node.Host.Tracer = trace;
        }

        socket.Send(server.Ip, 5201, 100);
        cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromMilliseconds(10));
        return (got, trace);
    }

    private static readonly string[] ClientPod =
        ["node1/client Syscall", "node1/client UdpOutput", "node1/client FibLookup", "node1/client/eth0 IpOutput", "node1/client/eth0 VethTransmit"];

    private static string[] ServerPod(int node) =>
        [$"node{node}/server/eth0 BacklogReceive", $"node{node}/server/eth0 IpInput", $"node{node}/server/eth0 FibLookup", $"node{node}/server UdpInput", $"node{node}/server SocketDeliver"];

    private static readonly Dictionary<string, string[]> SameNode = new()
    {
        // eth0 -> veth -> cni0 bridge (FDB) -> veth -> eth0
        ["flannel"] = ["node1/root/veth00000001 BacklogReceive", "node1/root/cni0 BridgeForward", "node1/root/veth00000002 VethTransmit"],

        // eth0 -> cali veth (proxy ARP for 169.254.1.1) -> host FIB /32 -> cali veth -> eth0
        ["calico"] = ["node1/root/cali00000000001 BacklogReceive", "node1/root/cali00000000001 IpInput", "node1/root/cali00000000001 FibLookup",
            "node1/root/cali00000000002 IpForward", "node1/root/cali00000000002 VethTransmit"],
    };

    private static readonly Dictionary<string, string[]> CrossNode = new()
    {
        // veth -> cni0 -> 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink -> VXLAN -> eth0 -> wire -> eth0 -> UDP 8472 -> decap -> cni0 -> veth
        ["flannel-vxlan"] =
        [
            "node1/root/veth00000001 BacklogReceive", "node1/root/cni0 BridgeForward", "node1/root/cni0 IpInput", "node1/root/cni0 FibLookup",
            "node1/root/flannel.1 IpForward", "node1/root/flannel.1 VxlanEncapsulate", "node1/root FibLookup", "node1/root/eth0 IpOutput", "node1/root/eth0 NicTransmit",
            "node3/root/eth0 NicReceive", "node3/root/eth0 IpInput", "node3/root/eth0 FibLookup", "node3/root UdpInput", "node3/root/flannel.1 VxlanDecapsulate",
            "node3/root/flannel.1 BacklogReceive", "node3/root/flannel.1 IpInput", "node3/root/flannel.1 FibLookup",
            "node3/root/cni0 IpForward", "node3/root/cni0 BridgeForward", "node3/root/veth00000002 VethTransmit",
        ],

        // veth -> cni0 -> 10.244.3.0/24 via 192.168.0.3 dev eth0 -> wire -> eth0 -> cni0 -> veth
        ["flannel-host-gw"] =
        [
            "node1/root/veth00000001 BacklogReceive", "node1/root/cni0 BridgeForward", "node1/root/cni0 IpInput", "node1/root/cni0 FibLookup",
            "node1/root/eth0 IpForward", "node1/root/eth0 NicTransmit",
            "node3/root/eth0 NicReceive", "node3/root/eth0 IpInput", "node3/root/eth0 FibLookup",
            "node3/root/cni0 IpForward", "node3/root/cni0 BridgeForward", "node3/root/veth00000002 VethTransmit",
        ],

        // cali veth -> block route via node3 dev eth0 (what BIRD installs) -> wire -> FIB /32 -> cali veth
        ["calico-bgp"] =
        [
            "node1/root/cali00000000001 BacklogReceive", "node1/root/cali00000000001 IpInput", "node1/root/cali00000000001 FibLookup",
            "node1/root/eth0 IpForward", "node1/root/eth0 NicTransmit",
            "node3/root/eth0 NicReceive", "node3/root/eth0 IpInput", "node3/root/eth0 FibLookup",
            "node3/root/cali00000000002 IpForward", "node3/root/cali00000000002 VethTransmit",
        ],

        // cali veth -> block route via node3 dev tunl0 onlink -> IP-in-IP -> eth0 -> wire -> eth0 -> decap -> FIB /32 -> cali veth
        ["calico-ipip"] =
        [
            "node1/root/cali00000000001 BacklogReceive", "node1/root/cali00000000001 IpInput", "node1/root/cali00000000001 FibLookup",
            "node1/root/tunl0 IpForward", "node1/root/tunl0 IpipEncapsulate", "node1/root FibLookup", "node1/root/eth0 IpOutput", "node1/root/eth0 NicTransmit",
            "node3/root/eth0 NicReceive", "node3/root/eth0 IpInput", "node3/root/eth0 FibLookup", "node3/root/tunl0 IpipDecapsulate",
            "node3/root/tunl0 BacklogReceive", "node3/root/tunl0 IpInput", "node3/root/tunl0 FibLookup",
            "node3/root/cali00000000002 IpForward", "node3/root/cali00000000002 VethTransmit",
        ],

        // cali veth -> 10.244.3.0/26 via 10.244.3.0 dev vxlan.calico onlink -> VXLAN (VNI 4096) -> eth0 -> wire -> eth0 -> UDP 4789 -> decap -> FIB /32 -> cali veth
        ["calico-vxlan"] =
        [
            "node1/root/cali00000000001 BacklogReceive", "node1/root/cali00000000001 IpInput", "node1/root/cali00000000001 FibLookup",
            "node1/root/vxlan.calico IpForward", "node1/root/vxlan.calico VxlanEncapsulate", "node1/root FibLookup", "node1/root/eth0 IpOutput", "node1/root/eth0 NicTransmit",
            "node3/root/eth0 NicReceive", "node3/root/eth0 IpInput", "node3/root/eth0 FibLookup", "node3/root UdpInput", "node3/root/vxlan.calico VxlanDecapsulate",
            "node3/root/vxlan.calico BacklogReceive", "node3/root/vxlan.calico IpInput", "node3/root/vxlan.calico FibLookup",
            "node3/root/cali00000000002 IpForward", "node3/root/cali00000000002 VethTransmit",
        ],
    };

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    [InlineData("calico-vxlan")]
    public void A_pod_reaches_a_pod_on_its_own_node_through_the_plugins_local_path(string cni)
    {
        var (got, trace) = SendOne(cni, 1, 1);
        Assert.Single(got.Got);
        Assert.Empty(trace.Drops);
        Assert.Equal([.. ClientPod, .. SameNode[cni.StartsWith("flannel", StringComparison.Ordinal) ? "flannel" : "calico"], .. ServerPod(1)], trace.Stages);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    [InlineData("calico-vxlan")]
    public void A_pod_reaches_a_pod_on_another_node_through_the_switch_by_the_plugins_route(string cni)
    {
        var (got, trace) = SendOne(cni, 1, 3);
        Assert.Single(got.Got);
        Assert.Empty(trace.Drops); // node2 sees nothing: the switch knows every node's port
        Assert.Equal([.. ClientPod, .. CrossNode[cni], .. ServerPod(3)], trace.Stages);
    }

    [Theory]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    public void Block_routes_learned_over_BGP_give_the_same_cross_node_hops_as_the_converged_ones(string cni)
    {
        var (got, trace) = SendOne(cni, 1, 3, bgp: true);
        Assert.Single(got.Got);
        Assert.Empty(trace.Drops);
        Assert.Equal([.. ClientPod, .. CrossNode[cni], .. ServerPod(3)], trace.Stages);
    }

    [Theory]
    [InlineData("flannel-vxlan", 1398)]
    [InlineData("flannel-host-gw", 1448)]
    [InlineData("calico-bgp", 1448)]
    [InlineData("calico-ipip", 1428)]
    [InlineData("calico-vxlan", 1398)]
    [InlineData("calico-ipip-crosssubnet", 1428)]
    [InlineData("calico-vxlan-crosssubnet", 1398)]
    public void TCP_between_pods_on_two_nodes_uses_the_pod_MTU_the_plugin_sets(string cni, int payload)
    {
        // Pod MTU 1450 (VXLAN), 1480 (IP-in-IP) or 1500, less 40 for the IP and TCP headers and 12 for timestamps.
        // CrossSubnet pools give pods the tunnel's MTU too, though these two nodes share a subnet and skip it.
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName(cni));
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("server", 2);
        var sink = new Sink();
        _ = new TcpListener(server.Namespace, 5001, sink);
        var socket = TcpSocket.Connect(client.Namespace, server.Ip, 5001, new Writer(1_000_000));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));
        Assert.Equal(payload, socket.SegmentPayload);
        Assert.Equal(1_000_000, sink.Received);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("flannel-host-gw")]
    [InlineData("calico-bgp")]
    [InlineData("calico-ipip")]
    [InlineData("calico-vxlan")]
    public void A_node_that_joins_later_is_wired_to_every_other_node_both_ways(string cni)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName(cni));
        var joined = cluster.AddNode();
        Assert.Equal(3, joined.Index);
        foreach (var from in new[] { 1, 2 })
        {
            var client = cluster.AddPod($"client{from}", from);
            var server = cluster.AddPod($"server{from}", 3);
            var sink = new Sink();
            _ = new TcpListener(server.Namespace, 5001, sink);
            _ = TcpSocket.Connect(client.Namespace, server.Ip, 5001, new Writer(100_000));
            cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromMilliseconds(20));
            Assert.Equal(100_000, sink.Received);
        }
    }

    private sealed class Sink : ITcpApplication
    {
        public long Received { get; private set; }
        public void OnConnected(TcpSocket socket) { }
        public void OnReceived(TcpSocket socket, long bytes) => Received += bytes;
        public void OnPeerClosed(TcpSocket socket) => socket.Close();
        public void OnClosed(TcpSocket socket) { }
    }

    private sealed class Writer(long bytes) : ITcpApplication
    {
        public void OnConnected(TcpSocket socket) => socket.Send(bytes);
        public void OnReceived(TcpSocket socket, long b) { }
        public void OnPeerClosed(TcpSocket socket) { }
        public void OnClosed(TcpSocket socket) { }
    }
}
