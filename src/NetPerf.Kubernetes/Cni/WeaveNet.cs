using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Policy;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// Weave Net with its fast datapath, as weave-kube wires a node (weaveworks/weave net/bridge.go, "BridgedFastdp",
/// the default): each pod on a veth whose host end (vethwepl*) is a port of the <c>weave</c> Linux bridge; the
/// bridge's other port is <c>vethwe-bridge</c>, whose peer <c>vethwe-datapath</c> is a vport of the <c>datapath</c>
/// Open vSwitch kernel datapath; the datapath's vxlan vport <c>vxlan-6784</c> (UDP 6784: weave's port 6783 + 1,
/// router/fastdp.go) carries frames to the other peers, encapsulated by the kernel. Weave is one L2 segment: pods
/// hold addresses of the whole allocation range (10.32.0.0/12, prog/weave-kube/launch.sh IPALLOC_RANGE) and reach
/// another node's pods directly, their ARP answered across the overlay; the default route is via the bridge's
/// address (plugin/net/cni.go). Pods on one node meet in the weave bridge only.
/// MTU 1376 (net/bridge.go fastdpImpl.init): GCE's 1460-byte underlay, the lowest Weave expected on a local
/// network, less VXLAN's 50 bytes (outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14) and 34 bytes for the ESP
/// header of fastdp's encryption; fixed, whatever the node's MTU, unless WEAVE_MTU says otherwise.
/// IPAM splits the one range among the peers (ipam/ring ClaimForPeers: halved recursively, in CIDR-aligned
/// pieces) instead of a /24 per node, so a node's pods are bounded by the kubelet's max-pods (110), not a block.
/// Every weaver also runs sleeve (router/sleeve.go, <see cref="SleeveOverlay"/>): a fastdp connection whose
/// heartbeats cannot cross the nodes' MTU (<see cref="FastdpNodeMtu"/>) falls back to it, frames for that peer
/// then upcalled by the datapath and carried by the weaver on UDP 6783. <c>weave-sleeve</c> is Weave with
/// WEAVE_NO_FASTDP (net/bridge.go "Bridge"): no datapath; the bridge's vethwe-bridge is paired with
/// <c>vethwe-pcap</c>, on which the weaver captures and injects frames with pcap, and the pods' ends have tx
/// checksumming off (net/veth.go), so pcap reads frames, not super-packets.
/// </summary>
public sealed class WeaveNet : CniPlugin
{
    /// <summary>Weave's default MTU (net/bridge.go): 1460 - 20 - 8 - 8 - 14 - 34.</summary>
    public const int DefaultMtu = 1376;

    /// <summary>The fastdp VXLAN port: the weave port 6783 plus one (router/fastdp.go mainVxlanUDPPort).</summary>
    public const ushort FastdpPort = 6784;

    /// <summary>
    /// The smallest node MTU on which fastdp carries pods of <paramref name="podMtu"/> (WEAVE_MTU): the weaver
    /// confirms a fastdp connection by heartbeats, each a frame of the datapath's MTU plus its Ethernet header,
    /// sent through the VXLAN vport with DF set (router/fastdp.go sendHeartbeat; Forward: SetDf(true)), so on
    /// nodes that cannot carry podMtu + 50 none arrives, the forwarder gives up ("timed out waiting for vxlan
    /// heartbeat") and the connection falls back to sleeve (site/using-weave/fastdp.md: the network must carry packets
    /// of the size specified "plus overheads of around 84-87 bytes", or Weave Net falls back to Sleeve; the heartbeat
    /// frame the check rests on needs the 50 of VXLAN's headers, which is what this takes, so between 50 and 87 bytes
    /// of headroom fastdp may come up and still lose the largest packets: not modelled).
    /// </summary>
    public static int FastdpNodeMtu(int podMtu) => podMtu + HeaderSizes.VxlanOverhead;

    /// <summary>IPALLOC_RANGE's default (prog/weave-kube/launch.sh).</summary>
    public const string AllocationRange = "10.32.0.0/12";

    /// <summary>The kubelet's --max-pods default (measurements.md K8S-SCALE: 110 pods per node): weave's IPAM has addresses for far more.</summary>
    public const int KubeletMaxPods = 110;

    private static readonly Ipv4Prefix Range = Ipv4Prefix.Parse(AllocationRange);

    private readonly Dictionary<Node, NodeParts> _nodes = [];

    public WeaveNet(WeaveMode mode = WeaveMode.Fastdp) => Mode = mode;

    /// <summary>Fastdp (with sleeve where it must fall back) or sleeve only (WEAVE_NO_FASTDP).</summary>
    public WeaveMode Mode { get; }

    /// <summary>Weave with its fast datapath, the default: every connection in fastdp unless the MTU forces sleeve.</summary>
    public static readonly CniPluginKind Descriptor = new()
    {
        Name = "weave",
        Family = "weave",
        Masquerade = "weave-kube's nat WEAVE chain (MASQUERADE from the allocation range to outside it)",
        Ipam = $"weave IPAM: one range ({AllocationRange}) split among the peers (ipam/ring), so the kubelet's max-pods ({KubeletMaxPods}) bounds a node, not a block",
        MaxPodsPerNode = KubeletMaxPods,
        MtuOverhead = 0, // fixed MTU instead: see PodMtu
        FixedPodMtu = DefaultMtu,
        PodNetwork = Range,
        Policy = new PolicyEngine("weave-npc (iptables: WEAVE-NPC, WEAVE-NPC-DEFAULT, WEAVE-NPC-INGRESS chains and weave-* ipsets)", c => new WeaveNpcRules(c)),
        Devices = ["weave (bridge)", "vethwe-bridge / vethwe-datapath (veth; vethwe-datapath a datapath vport)", "datapath (openvswitch)", $"vxlan-{FastdpPort} (vxlan external dstport {FastdpPort}, a datapath vport)", "vethwepl* (weave ports)"],
        PlotColour = "#F0E442",
        Create = () => new WeaveNet(),
    };

    /// <summary>Weave with WEAVE_NO_FASTDP: sleeve for every connection, captured and injected with pcap on vethwe-pcap.</summary>
    public static readonly CniPluginKind SleeveDescriptor = new()
    {
        Name = "weave-sleeve",
        Family = "weave",
        Masquerade = Descriptor.Masquerade,
        Ipam = Descriptor.Ipam,
        MaxPodsPerNode = KubeletMaxPods,
        MtuOverhead = 0,
        // WEAVE_MTU's fastdp default, set for sleeve too: without WEAVE_MTU the Bridge type leaves the bridge at
        // 65535 (net/bridge.go initPrep) and the weaver answers every larger DF frame with fragmentation needed.
        FixedPodMtu = DefaultMtu,
        PodNetwork = Range,
        Policy = Descriptor.Policy,
        Devices = ["weave (bridge)", "vethwe-bridge / vethwe-pcap (veth; the weaver's pcap captures and injects on vethwe-pcap)", "vethwepl* (weave ports; the pods' ends with tx off)"],
        PlotColour = "#FDBF6F",
        Create = () => new WeaveNet(WeaveMode.Sleeve),
    };

    /// <summary>Both kinds, for the registry.</summary>
    public static IReadOnlyList<CniPluginKind> Descriptors { get; } = [Descriptor, SleeveDescriptor];

    public override CniPluginKind Kind => Mode == WeaveMode.Sleeve ? SleeveDescriptor : Descriptor;

    public BridgeDevice Bridge(Node node) => _nodes[node].Bridge;

    /// <summary>The node's Open vSwitch datapath (fastdp only).</summary>
    public OvsDatapath Datapath(Node node) => _nodes[node].Datapath ?? throw new InvalidOperationException($"{node.Name} has no datapath: weave-sleeve (WEAVE_NO_FASTDP) builds none.");

    /// <summary>The node's weaver's sleeve overlay (every weaver runs one).</summary>
    public SleeveOverlay Sleeve(Node node) => _nodes[node].Sleeve;

    /// <summary>
    /// The core a node's weaver runs on: its last, away from the NIC's first receive queue (core 0) and, on nodes of
    /// three cores or more, from the first client processes (the scenario runner's clients start at core 1). One
    /// process, here on one core: Go could run its capture, forwarder and UDP-reading goroutines on several, which
    /// is not modelled. On a kind cluster, whose nodes share one machine's cores, every node's weaver takes that core.
    /// </summary>
    public static int WeaverCore(Node node) => node.Host.Cores.Count - 1;

    /// <summary>How the connection from <paramref name="node"/> to <paramref name="other"/> carries frames: sleeve in weave-sleeve, or where fastdp's heartbeat cannot cross.</summary>
    public WeaveMode ConnectionMode(Node node, Node other) =>
        Mode == WeaveMode.Sleeve || FastdpNodeMtu(PodMtu(node.Eth0.Mtu)) > Math.Min(node.Eth0.Mtu, other.Eth0.Mtu) ? WeaveMode.Sleeve : WeaveMode.Fastdp;

    /// <summary>The node's share of the allocation range (ipam/ring), once the nodes are known.</summary>
    public Ipv4Prefix Share(Node node) => _nodes[node].Share ?? throw new InvalidOperationException($"{node.Name} has no IPAM share yet: the nodes are not connected.");

    public override void SetUpNode(Node node)
    {
        node.Root.IpForward = true;
        int mtu = PodMtu(node.Eth0.Mtu);
        var bridge = new BridgeDevice(node.Root, "weave", mtu);
        var sleeve = new SleeveOverlay(node.Root, node.Ip, WeaverCore(node));
        if (Mode == WeaveMode.Sleeve)
        {
            // net/bridge.go bridgeImpl.init: vethwe-bridge on the bridge, its peer vethwe-pcap for router/pcap.go.
            var (bridgePort, pcap) = VethDevice.CreatePair(node.Root, "vethwe-bridge", node.Root, "vethwe-pcap", mtu);
            bridge.Enslave(bridgePort);
            sleeve.CaptureOn(pcap);
            _nodes[node] = new NodeParts(bridge, null, sleeve);
            return;
        }

        var (bridgeSide, datapathSide) = VethDevice.CreatePair(node.Root, "vethwe-bridge", node.Root, "vethwe-datapath", mtu);
        bridge.Enslave(bridgeSide);
        var datapath = new OvsDatapath(node.Root, "datapath", mtu, shortId: node.Index);
        datapath.AddBridgeVport(datapathSide);
        // ovs's vxlan vport device takes the largest MTU it can (net/openvswitch/vport-vxlan.c); the 1376-byte inner frames fit the node's 1500 with room to spare.
        datapath.AddTunnelVport(new VxlanDevice(node.Root, $"vxlan-{FastdpPort}", vni: 0, node.Ip, FastdpPort, mtu: 65000));
        // The fallback: the weaver injects what sleeve brings with OVS_PACKET_CMD_EXECUTE, out of vethwe-datapath.
        sleeve.InjectThrough(datapathSide);
        datapath.Sleeve = sleeve;
        _nodes[node] = new NodeParts(bridge, datapath, sleeve);
    }

    public override void ConnectNodes(IReadOnlyList<Node> nodes)
    {
        Subdivide(Range, nodes);
        foreach (var node in nodes)
        {
            AddressBridge(node);
        }

        base.ConnectNodes(nodes);
    }

    public override void JoinNode(Node joined, IReadOnlyList<Node> others)
    {
        // A peer that joins later asks another for space; the donor gives up half of its range (ipam/allocator
        // donateSpace), here the largest share's upper half.
        var donor = _nodes.Where(kv => kv.Key != joined && kv.Value.Share is not null).MaxBy(kv => (ulong)1 << (32 - kv.Value.Share!.Value.Length)).Key;
        var share = _nodes[donor].Share!.Value;
        var lower = new Ipv4Prefix(share.Network, share.Length + 1);
        var upper = new Ipv4Prefix(share[(ulong)1 << (32 - share.Length - 1)], share.Length + 1);
        _nodes[donor] = _nodes[donor] with { Share = lower };
        _nodes[joined] = _nodes[joined] with { Share = upper };
        AddressBridge(joined);
        base.JoinNode(joined, others);
    }

    /// <summary>
    /// The connection between two peers, one direction: fastdp (router/fastdp.go fastDatapathForwarder) or sleeve
    /// (router/sleeve.go sleeveForwarder) as <see cref="ConnectionMode"/> says. The weaver's PMTU verification finds
    /// the smaller of the two nodes' MTUs.
    /// </summary>
    protected override void RouteTowards(Node node, Node other)
    {
        var here = _nodes[node];
        var there = _nodes[other];
        if (ConnectionMode(node, other) == WeaveMode.Sleeve)
        {
            here.Sleeve.AddPeer(there.Sleeve, other.Ip, Math.Min(node.Eth0.Mtu, other.Eth0.Mtu));
            here.Datapath?.AddSleevePeer(there.Datapath!, other.Ip);
            return;
        }

        here.Datapath!.AddPeer(there.Datapath!, other.Ip);
    }

    public override Ipv4Address PodAddress(Node node, int ordinal)
    {
        if (ordinal > Kind.MaxPodsPerNode)
        {
            throw new InvalidOperationException($"{node.Name} runs at most {Kind.MaxPodsPerNode} pods (the kubelet's max-pods); weave's IPAM share {Share(node)} is not the limit.");
        }

        return Allocatable(node, ordinal); // the 0th is the bridge's
    }

    /// <summary>The weave bridge's address on <paramref name="node"/>: its share's first address IPAM gives out.</summary>
    public Ipv4Address BridgeAddress(Node node) => Allocatable(node, 0);

    /// <summary>The n-th address IPAM gives out from the node's share: the range's own first address never is (ipam allocates in the subnet's HostRange, net/address/address.go).</summary>
    private Ipv4Address Allocatable(Node node, int n)
    {
        var share = Share(node);
        ulong skip = share.Network == Range.Network ? 1UL : 0UL;
        return share[skip + (ulong)n];
    }

    public override string HostEndName(int podNumber) => $"vethwepl{podNumber:x7}"; // plugin/net/cni.go: vethwepl + the container ID's first 7 characters

    public override VethDevice AddPod(Node node, NetworkNamespace pod, Ipv4Address ip, string hostEnd)
    {
        var parts = _nodes[node];
        var (eth0, host) = VethDevice.CreatePair(pod, "eth0", node.Root, hostEnd, mtu: PodMtu(node.Eth0.Mtu));
        eth0.TxChecksumOffload = Mode != WeaveMode.Sleeve; // net/veth.go: EthtoolTXOff on the pod's end when the bridge type is Bridge
        parts.Bridge.Enslave(host); // hairpin off: weave's CNI config does not ask for it (plugin/net/cni.go hairpinMode)
        pod.AddAddress(eth0, ip, Range.Length); // the whole range is on-link: one L2 segment
        pod.AddRoute("0.0.0.0/0", eth0, via: BridgeAddress(node).ToString());
        return eth0;
    }

    private void AddressBridge(Node node)
    {
        // The bridge's address comes from the node's own share (weave expose allocates it first).
        node.Root.AddAddress(_nodes[node].Bridge, BridgeAddress(node), Range.Length);
        if (MasqueradeOutgoing)
        {
            // nat WEAVE (net/iptables.go, prog/weave-kube): pod traffic leaving the range is masqueraded.
            var chain = new Chain("WEAVE");
            chain.Append(new Rule { MarkSet = KubeProxyIptables.MasqueradeMark, Target = RuleTarget.Return, Comment = "kube-proxy's" });
            chain.Append(new Rule { Source = Range, Destination = Range, Target = RuleTarget.Return });
            chain.Append(new Rule { Source = Range, DestinationNotIn = Ipv4Prefix.Parse("224.0.0.0/4"), Target = RuleTarget.Masquerade, PortSelection = MasqueradePorts });
            chain.Append(new Rule { SourceNotIn = Range, Destination = Range, Target = RuleTarget.Masquerade, PortSelection = MasqueradePorts });
            node.Root.EnableNetfilter().NatPostRouting.Append(new Rule { Target = RuleTarget.Jump, JumpTo = chain });
        }
    }

    /// <summary>ClaimForPeers' subdivision: the range halved, the first half to the first half of the peers, recursively.</summary>
    private void Subdivide(Ipv4Prefix range, IReadOnlyList<Node> peers)
    {
        if (peers.Count == 1)
        {
            _nodes[peers[0]] = _nodes[peers[0]] with { Share = range };
            return;
        }

        int half = peers.Count / 2;
        var lower = new Ipv4Prefix(range.Network, range.Length + 1);
        var upper = new Ipv4Prefix(range[(ulong)1 << (32 - range.Length - 1)], range.Length + 1);
        Subdivide(lower, [.. peers.Take(half)]);
        Subdivide(upper, [.. peers.Skip(half)]);
    }

    private sealed record NodeParts(BridgeDevice Bridge, OvsDatapath? Datapath, SleeveOverlay Sleeve)
    {
        public Ipv4Prefix? Share { get; init; }
    }
}
