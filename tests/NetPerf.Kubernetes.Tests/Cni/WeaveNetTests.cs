using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Policy;
using NetPerf.Kubernetes.Tests.Paths;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Weave Net's fast datapath as weave-kube wires it (weaveworks/weave net/bridge.go BridgedFastdp,
/// router/fastdp.go): the exact hops of a datagram and its echo on <see cref="PathCluster"/>'s layout (client and
/// web-0 on node1, web-1 on node2) in <see cref="HopTracer"/>'s notation, in fastdp and in sleeve, its MTU, its
/// flows per MAC pair, its IPAM and its policy controller.
/// </summary>
public class WeaveNetTests
{
    // From a pod on node a to a pod on node b: the weave bridge (br_netfilter shows it to the root namespace's
    // hooks, in and out on weave), vethwe-bridge to vethwe-datapath, the datapath (a miss on the pair's first
    // frame: upcalled to the weaver), the vxlan vport (kernel encapsulation, UDP 6784) whose outer packet crosses
    // OUTPUT and POSTROUTING; on b the outer packet's PREROUTING and INPUT to UDP 6784, the vxlan vport, the
    // datapath again (its own miss), vethwe-datapath to vethwe-bridge, the weave bridge and the pod's vethwepl.
    private static string[] Overlay(int a, int b, string pod, bool upcall = true) =>
    [
        $"node{a}/root/vethwe-bridge veth", $"node{a}/root/datapath datapath", .. upcall ? new[] { $"node{a}/root/datapath upcall" } : [],
        $"node{a}/root/vxlan-6784 vxlan+", $"node{a}/root/eth0 OUTPUT", $"node{a}/root/eth0 POSTROUTING", $"node{a}/root/eth0 tx",
        $"node{b}/root/eth0 rx", $"node{b}/root/eth0 PREROUTING", $"node{b}/root/eth0 INPUT", $"node{b}/root/vxlan-6784 vxlan-",
        $"node{b}/root/datapath datapath", .. upcall ? new[] { $"node{b}/root/datapath upcall" } : [], $"node{b}/root/vethwe-datapath veth",
        $"node{b}/root/weave bridge", $"node{b}/root/weave PREROUTING", $"node{b}/root/weave FORWARD", $"node{b}/root/weave POSTROUTING",
        $"node{b}/root/{pod} veth",
    ];

    private static string[] Bridged(int node, string post = "") =>
        [$"node{node}/root/weave bridge", $"node{node}/root/weave PREROUTING", $"node{node}/root/weave FORWARD", $"node{node}/root/weave POSTROUTING{post}"];

    public static TheoryData<string, string, string> Paths()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var cni in new[] { "weave", "weave-sleeve" })
        {
            foreach (var path in new[] { "pod-same-node", "pod-cross-node", "cluster-ip", "node-port" })
            {
                foreach (var mode in new[] { "iptables", "ipvs", "nftables" })
                {
                    data.Add(cni, path, mode);
                }
            }
        }

        return data;
    }

    /// <summary>
    /// A Service's new connection on node1: DNAT at PREROUTING (iptables rules, nftables map), or with IPVS the
    /// ClusterIP/NodePort is local, so IPVS DNATs at LOCAL_IN and the packet leaves again through OUTPUT.
    /// </summary>
    private static string[] ServiceIn(string mode, string inDevice, string snat = "") => mode == "ipvs"
        ? [$"node1/root/{inDevice} PREROUTING", $"node1/root/{inDevice} INPUT ipvs dst>10.40.0.1:8080", "node1/root/weave OUTPUT", $"node1/root/weave POSTROUTING{snat}"]
        : [$"node1/root/{inDevice} PREROUTING dst>10.40.0.1:8080", $"node1/root/{inDevice} FORWARD", $"node1/root/weave POSTROUTING{snat}"];

    /// <summary>Its reply at node1's bridge: the Service address goes back at POSTROUTING (conntrack) or at FORWARD (IPVS).</summary>
    private static string[] ServiceBack(string mode, string outDevice, string service, string unmasquerade = "") => mode == "ipvs"
        ? ["node1/root/weave bridge", $"node1/root/weave PREROUTING{unmasquerade}", $"node1/root/weave FORWARD ipvs src>{service}", $"node1/root/{outDevice} POSTROUTING"]
        : ["node1/root/weave bridge", $"node1/root/weave PREROUTING{unmasquerade}", "node1/root/weave FORWARD", $"node1/root/{outDevice} POSTROUTING src>{service}"];

    /// <summary>Between the nodes: fastdp's datapath and VXLAN, or sleeve's weaver (<see cref="WeaveSleeveTests.Sleeve"/>); either ends in the weave bridge's four hops and the pod's veth.</summary>
    private static string[] Across(string cni, int a, int b, string pod) => cni == "weave-sleeve" ? WeaveSleeveTests.Sleeve(a, b, pod) : Overlay(a, b, pod);

    private static (string[] Hops, string ServerHears, string ClientHears) Expected(string cni, string path, string mode) => path switch
    {
        // Same node: the weave bridge only; the datapath never sees the frame.
        "pod-same-node" =>
            ([
                "node1/client/eth0 veth", .. Bridged(1), "node1/root/vethwepl0000002 veth", "node1/web-0 deliver",
                "node1/web-0/eth0 veth", .. Bridged(1), "node1/root/vethwepl0000001 veth", "node1/client deliver",
            ], "10.32.0.2:40000", "10.32.0.3:8080"),

        // Another node's pod is on-link (10.32.0.0/12 dev eth0): bridged to vethwe-bridge, then the overlay.
        "pod-cross-node" =>
            ([
                "node1/client/eth0 veth", .. Bridged(1), .. Across(cni, 1, 2, "vethwepl0000003"), "node2/web-1 deliver",
                "node2/web-1/eth0 veth", .. Bridged(2), .. Across(cni, 2, 1, "vethwepl0000001"), "node1/client deliver",
            ], "10.32.0.2:40000", "10.40.0.1:8080"),

        // To the ClusterIP via the bridge's address: DNAT at the bridge's PREROUTING (br_netfilter), and the new
        // destination is on the bridge's segment, so the frame stays bridged (bridged_dnat) into the overlay. With
        // IPVS the ClusterIP is local: up to IP, DNAT at LOCAL_IN, then out of the weave bridge by its FDB.
        "cluster-ip" =>
            ([
                "node1/client/eth0 veth", "node1/root/weave bridge", .. ServiceIn(mode, "weave"), .. mode == "ipvs" ? new[] { "node1/root/weave bridge" } : [],
                .. Across(cni, 1, 2, "vethwepl0000003"), "node2/web-1 deliver",
                "node2/web-1/eth0 veth", .. Bridged(2), .. Across(cni, 2, 1, "vethwepl0000001")[..^5],
                .. ServiceBack(mode, "weave", "10.96.0.20:80"), "node1/root/vethwepl0000001 veth", "node1/client deliver",
            ], "10.32.0.2:40000", "10.96.0.20:80"),

        // NodePort with externalTrafficPolicy Cluster: routed from eth0 to the weave bridge, masqueraded to the
        // bridge's address (the egress device's), bridged into the overlay; back, un-NATed at the bridge.
        "node-port" =>
            ([
                "outside/root/eth0 tx", "node1/root/eth0 rx", .. ServiceIn(mode, "eth0", " src>10.32.0.1:40000"), "node1/root/weave bridge",
                .. Across(cni, 1, 2, "vethwepl0000003"), "node2/web-1 deliver",
                "node2/web-1/eth0 veth", .. Bridged(2), .. Across(cni, 2, 1, "vethwepl0000001")[..^5],
                .. ServiceBack(mode, "eth0", "192.168.0.1:30080", " dst>192.168.15.1:40000"), "node1/root/eth0 tx", "outside/root/eth0 rx", "outside/root deliver",
            ], "10.32.0.1:40000", "192.168.0.1:30080"),

        _ => throw new ArgumentException(path, nameof(path)),
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_datagram_and_its_reply_take_weaves_bridge_then_datapath_and_vxlan_or_sleeves_weaver_hops(string cni, string path, string mode)
    {
        var cluster = new PathCluster(cni, mode, path);
        var trace = cluster.Send();
        var (hops, serverHears, clientHears) = Expected(cni, path, mode);

        Assert.Empty(trace.Drops);
        Assert.Equal(hops, trace.Hops);
        var heard = Assert.Single(cluster.Echo.From);
        Assert.Equal(serverHears, $"{heard.Address}:{heard.Port}");
        var answered = Assert.Single(cluster.Answers.From); // the reply is un-NATed to the address dialled
        Assert.Equal(clientHears, $"{answered.Address}:{answered.Port}");
    }

    [Fact]
    public void Flows_are_per_MAC_pair_so_only_the_first_frame_between_two_pods_is_upcalled_whatever_the_connection()
    {
        var cluster = new PathCluster("weave", "iptables", "pod-cross-node");
        var weave = (WeaveNet)cluster.Cluster.Cni;
        var first = cluster.Send();
        long upcalls = weave.Datapath(cluster.Cluster.Node(1)).Upcalls + weave.Datapath(cluster.Cluster.Node(2)).Upcalls;
        var second = cluster.Send();

        // one miss per direction on each node: (vethwe-datapath, client, web-1) and (vxlan, web-1, client) on node1, the mirror on node2
        Assert.Equal(4, upcalls);
        Assert.Equal(4, first.Hops.Count(h => h.EndsWith(" upcall", StringComparison.Ordinal)));
        Assert.DoesNotContain(second.Hops, h => h.EndsWith(" upcall", StringComparison.Ordinal));

        // A new connection (another source port) between the same two pods matches the same flows.
        var other = new UdpSocket(cluster.Client.Namespace, cluster.Client.Ip, 40001);
        other.Send(cluster.Server.Ip, PathCluster.ServerPort, 100);
        cluster.Cluster.Bed.Sim.RunUntil(cluster.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(1));
        Assert.Equal(4, weave.Datapath(cluster.Cluster.Node(1)).Upcalls + weave.Datapath(cluster.Cluster.Node(2)).Upcalls);
        Assert.Equal(3, cluster.Echo.From.Count(f => f.Address == cluster.Client.Ip));
    }

    [Fact]
    public void An_upcall_costs_the_first_frame_its_round_trip_to_the_weaver_and_later_frames_only_the_lookup()
    {
        var costs = CostTable.Default();
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = costs }, CniPlugin.ByName("weave"));
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("server", 2);
        var got = new Collector();
        _ = new UdpSocket(server.Namespace, server.Ip, 5201) { Receiver = got };
        var socket = new UdpSocket(client.Namespace, client.Ip, 40000);
        foreach (var _ in Enumerable.Range(0, 2))
        {
            socket.Send(server.Ip, 5201, 100);
            cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromMilliseconds(1));
        }

        Assert.Equal(2, got.Got.Count);
        // The first frame waits for two upcalls (the sender's datapath and the receiver's), the second for none.
        long twoUpcalls = 2 * costs.Of(KernelStage.OvsUpcall, got.Got[0].IpLength);
        Assert.InRange((got.Got[0].Latency - got.Got[1].Latency).Picoseconds, twoUpcalls * 9 / 10, twoUpcalls * 11 / 10);
        Assert.Equal(2 * 2, cluster.Nodes.Sum(n => n.Host.CpuPicosecondsOf(KernelStage.OvsFlowLookup)) / costs.Of(KernelStage.OvsFlowLookup, 0));
    }

    [Theory]
    [InlineData(1500)]
    [InlineData(9000)]
    public void Pods_get_weaves_fixed_1376_byte_MTU_which_leaves_room_for_VXLAN_and_ESP_on_a_1460_byte_underlay(int nodeMtu)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, NodeMtu = nodeMtu }, CniPlugin.ByName("weave"));
        var pod = cluster.AddPod("p", 1);

        Assert.Equal(1376, pod.Namespace.Devices.Single(d => d.Name == "eth0").Mtu);
        Assert.Equal(1376, ((WeaveNet)cluster.Cni).Bridge(cluster.Node(1)).Mtu);
        Assert.Equal(1460 - HeaderSizes.VxlanOverhead - 34, WeaveNet.DefaultMtu); // GCE's underlay less VXLAN's 50 B and ESP's 34 B (net/bridge.go)
        Assert.True(WeaveNet.DefaultMtu + HeaderSizes.VxlanOverhead <= nodeMtu); // a full inner frame's outer packet fits the node
    }

    [Fact]
    public void The_overlay_frame_on_the_wire_carries_50_bytes_of_VXLAN_on_UDP_6784()
    {
        var cluster = new PathCluster("weave", "iptables", "pod-cross-node");
        var datapath = ((WeaveNet)cluster.Cluster.Cni).Datapath(cluster.Cluster.Node(1));
        Assert.Equal(WeaveNet.FastdpPort, datapath.Tunnel!.Port);
        Assert.Equal(6784, WeaveNet.FastdpPort);
        Assert.Equal((uint)(1 | (2 << 12)), datapath.VniTo(((WeaveNet)cluster.Cluster.Cni).Datapath(cluster.Cluster.Node(2)))); // source peer | destination peer << 12
        Assert.Equal(50, HeaderSizes.VxlanOverhead);
    }

    [Fact]
    public void IPAM_splits_one_range_among_the_peers_and_the_kubelet_not_a_24_bounds_a_nodes_pods()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("weave"));
        var weave = (WeaveNet)cluster.Cni;

        // ClaimForPeers: the /12 halved, the lower half to the first peer, the upper half split between the other two.
        Assert.Equal(["10.32.0.0/13", "10.40.0.0/14", "10.44.0.0/14"], cluster.Nodes.Select(n => weave.Share(n).ToString()));
        Assert.Equal(Ipv4Address.Parse("10.32.0.1"), weave.BridgeAddress(cluster.Node(1))); // the range's own first address is never given out
        Assert.Equal(Ipv4Address.Parse("10.40.0.0"), weave.BridgeAddress(cluster.Node(2)));
        Assert.Equal(Ipv4Prefix.Parse("10.32.0.0/12"), cluster.PodNetwork); // kube-proxy's --cluster-cidr follows

        for (int i = 1; i <= 110; i++)
        {
            cluster.AddPod($"p{i}", 2);
        }

        Assert.Equal(Ipv4Address.Parse("10.40.0.110"), cluster.Pod("p110").Ip); // far past a /24's 253 in the share, but ...
        var refused = Assert.Throws<InvalidOperationException>(() => cluster.AddPod("p111", 2));
        Assert.Contains("max-pods", refused.Message); // ... the kubelet's 110 is the limit
        Assert.Equal(110, CniPlugins.Get("weave").MaxPodsPerNode);
    }

    [Fact]
    public void A_node_that_joins_later_gets_half_of_the_largest_share()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("weave"));
        var weave = (WeaveNet)cluster.Cni;
        var joined = cluster.AddNode();
        var a = cluster.AddPod("a", 1);
        var b = cluster.AddPod("b", joined.Index);

        Assert.Equal(["10.32.0.0/14", "10.40.0.0/13", "10.36.0.0/14"], cluster.Nodes.Select(n => weave.Share(n).ToString()));
        var got = new Collector();
        _ = new UdpSocket(b.Namespace, b.Ip, 5201) { Receiver = got };
        new UdpSocket(a.Namespace, a.Ip, 40000).Send(b.Ip, 5201, 100);
        cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromMilliseconds(1));
        Assert.Single(got.Got);
    }

    private static readonly Dictionary<string, string> Db = new() { ["app"] = "db" };
    private static readonly Dictionary<string, string> Api = new() { ["app"] = "api" };

    [Theory]
    [InlineData("none", true, true)]
    [InlineData("pods", true, false)]
    [InlineData("deny-all", false, false)]
    public void Weave_npc_enforces_ingress_policy_at_the_destination_node_with_iptables_and_ipsets(string policy, bool apiGetsIn, bool otherGetsIn)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("weave"));
        var api = cluster.AddPod("api", 1, Api);
        var other = cluster.AddPod("other", 1, new Dictionary<string, string> { ["app"] = "other" });
        var db = cluster.AddPod("db", 2, Db);
        var counter = new TcpCounter();
        _ = new TcpListener(db.Namespace, 5432, counter);
        var policies = new NetworkPolicies(cluster);
        switch (policy)
        {
            case "pods": policies.Add(new NetworkPolicy("db-from-api", Db, [new NetworkPolicyIngressRule([NetworkPolicyPeer.Pods(Api)], [new(IpProtocol.Tcp, 5432)])])); break;
            case "deny-all": policies.Add(new NetworkPolicy("deny-all", new Dictionary<string, string>(), [])); break;
        }

        var fromApi = TcpSocket.Connect(api.Namespace, db.Ip, 5432, new TcpWriter(100));
        var fromOther = TcpSocket.Connect(other.Namespace, db.Ip, 5432, new TcpWriter(100));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.True(policies.IsEnforced);
        Assert.Equal(!apiGetsIn, fromApi.State == TcpState.SynSent);
        Assert.Equal(!otherGetsIn, fromOther.State == TcpState.SynSent);
        Assert.Equal((apiGetsIn ? 100 : 0) + (otherGetsIn ? 100 : 0), counter.Received);
        Assert.Equal(apiGetsIn && otherGetsIn, cluster.Node(2).Host.Drops(DropReason.Netfilter) == 0); // dropped in node2's FORWARD (-o weave -j DROP)
        Assert.Equal(0, cluster.Node(1).Host.Drops(DropReason.Netfilter)); // the sender's WEAVE-NPC lets what leaves by vethwe-bridge go
    }
}
