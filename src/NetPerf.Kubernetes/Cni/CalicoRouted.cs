using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Devices;
using NetPerf.Network.Routing;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cni;

/// <summary>
/// Calico's routed data plane. Each pod's eth0 pairs with a cali* veth in the node's namespace that answers ARP
/// for everything (proxy ARP), so the pod's routes (<c>169.254.1.1 dev eth0 scope link</c>, <c>default via
/// 169.254.1.1</c>) lead into the node, where a /32 per local pod routes back out of its cali* device. Between
/// nodes, each of a node's blocks (Calico's default blockSize /26: the first is its pod CIDR's first /26, and
/// when it fills, the node claims the next free /26 of the pool: <c>CalicoRouted.Blocks.cs</c>) is routed to the
/// node that owns it: straight via the node's IP on eth0 (calico-bgp), through tunl0, IP-in-IP (calico-ipip; pods then get
/// MTU 1480), or through vxlan.calico (calico-vxlan, MTU 1450: <c>CalicoRouted.Vxlan.cs</c>). With mode
/// CrossSubnet (calico-ipip-crosssubnet, calico-vxlan-crosssubnet) only nodes on another subnet are reached
/// through the tunnel; those of the node's own subnet directly on eth0. Without encapsulation a node on another
/// subnet (another rack) is reached via the node's gateway, its top-of-rack router, which the node's block is
/// announced to (<see cref="AnnouncedToFabric"/>). Those are the routes BIRD installs (proto bird): with
/// <see cref="CalicoRouting.Static"/> they are put in place as BGP would leave them once converged; with
/// <see cref="CalicoRouting.Bgp"/> the plugin installs none, and each node's <see cref="Bgp.BgpSpeaker"/> learns
/// them over its sessions and installs and removes them through <see cref="InstallBlockRoute"/>.
/// </summary>
public sealed partial class CalicoRouted : CniPlugin
{
    /// <summary>Calico's default IPAM block size: /26, 64 addresses.</summary>
    public const int BlockLength = 26;

    private readonly Dictionary<Node, IpipTunnelDevice> _tunnels = [];

    public CalicoRouted(bool ipip, CalicoRouting routing = CalicoRouting.Static)
        : this(ipip ? CalicoEncapsulation.Ipip : CalicoEncapsulation.None, CalicoEncapsulationMode.Always, routing)
    {
    }

    public CalicoRouted(CalicoEncapsulation encapsulation, CalicoEncapsulationMode mode = CalicoEncapsulationMode.Always, CalicoRouting routing = CalicoRouting.Static)
    {
        if (encapsulation == CalicoEncapsulation.Vxlan && routing == CalicoRouting.Bgp)
        {
            throw new ArgumentException(
                "Calico's VXLAN routes are programmed by felix, not learned over BGP (calico_backend: vxlan runs no BIRD): use CalicoRouting.Static with calico-vxlan.",
                nameof(routing));
        }

        Encapsulation = encapsulation;
        Mode = encapsulation == CalicoEncapsulation.None ? CalicoEncapsulationMode.Always : mode;
        Routing = routing;
    }

    public bool Ipip => Encapsulation == CalicoEncapsulation.Ipip;

    public CalicoEncapsulation Encapsulation { get; }

    /// <summary>When the pool encapsulates: Always, or CrossSubnet (only to nodes outside the node's subnet).</summary>
    public CalicoEncapsulationMode Mode { get; }

    public CalicoRouting Routing { get; }

    public override CniPluginKind Kind => Encapsulation switch
    {
        CalicoEncapsulation.None => Bgp,
        CalicoEncapsulation.Ipip => Mode == CalicoEncapsulationMode.CrossSubnet ? IpipCrossSubnet : IpipAlways,
        _ => Mode == CalicoEncapsulationMode.CrossSubnet ? VxlanCrossSubnet : VxlanAlways,
    };

    /// <summary>The node's first block: the first /26 of its pod CIDR (tunl0's and vxlan.calico's address come from it).</summary>
    public static Ipv4Prefix Block(Node node) => new(node.PodCidr.Network, BlockLength);

    public override void SetUpNode(Node node)
    {
        ClaimFirstBlock(node);
        node.Root.IpForward = true;
        if (MasqueradeOutgoing)
        {
            CalicoNatOutgoing.Install(node, MasqueradePorts);
        }

        if (Ipip)
        {
            // tunl0 holds the first address of the node's block (Calico's IPAM gives it one from the block), so
            // traffic the node sources through the tunnel comes from an address the other nodes route back.
            var tunl0 = new IpipTunnelDevice(node.Root, "tunl0", node.Ip, mtu: PodMtu(node.Eth0.Mtu));
            node.Root.AddAddress(tunl0, Block(node).Network, 32);
            _tunnels[node] = tunl0;
        }
        else if (Encapsulation == CalicoEncapsulation.Vxlan)
        {
            SetUpVxlan(node);
        }
    }

    protected override void RouteTowards(Node node, Node other)
    {
        if (Routing == CalicoRouting.Static)
        {
            foreach (var block in Blocks(other))
            {
                InstallBlockRoute(node, block, other.Ip);
            }
        }
    }

    /// <summary>Each of the node's blocks, when the routes are put in place converged; over BGP the speakers install them, eagerly.</summary>
    protected override IReadOnlyList<Ipv4Prefix>? PodRangesRoutedTo(Node other) => Routing == CalicoRouting.Static ? [.. Blocks(other)] : null;

    /// <summary>
    /// What BIRD's kernel protocol writes for a block learned with next hop <paramref name="via"/>:
    /// <c>BLOCK via NODE dev eth0 proto bird</c>, or with IP-in-IP <c>BLOCK via NODE dev tunl0 onlink proto bird</c>
    /// (Calico's export filter sets krt_tunnel = tunl0 for an IPIP pool; with CrossSubnet only when the next hop
    /// is outside the node's subnet). Unencapsulated to a node of another subnet, the next hop is the node's
    /// gateway, its top-of-rack router (which announces the block with itself as next hop). With VXLAN, felix
    /// writes the route instead (<see cref="InstallVxlanRoute"/>). Replaces any route to the block.
    /// </summary>
    public void InstallBlockRoute(Node node, Ipv4Prefix block, Ipv4Address via)
    {
        bool sameSubnet = node.Subnet.Contains(via);
        bool encapsulate = Encapsulation != CalicoEncapsulation.None && (Mode == CalicoEncapsulationMode.Always || !sameSubnet);
        if (encapsulate && Encapsulation == CalicoEncapsulation.Vxlan)
        {
            InstallVxlanRoute(node, block, via);
            return;
        }

        var hop = encapsulate ? new NextHop(_tunnels[node].Index, via, OnLink: true)
            : new NextHop(node.Eth0.Index, sameSubnet ? via : node.Gateway);
        var protocol = Encapsulation == CalicoEncapsulation.Vxlan ? RouteProtocol.Boot : RouteProtocol.Bird; // a VXLAN pool's direct routes are felix's too
        node.Root.Fib.Replace(new Route(block, RouteType.Unicast, hop) { Protocol = protocol });
    }

    /// <summary>BIRD withdrew the block: its kernel route goes (only a route BIRD installed).</summary>
    public void RemoveBlockRoute(Node node, Ipv4Prefix block)
    {
        if (node.Root.Fib.Find(block) is { Protocol: RouteProtocol.Bird })
        {
            node.Root.Fib.Remove(block);
        }
    }

    /// <summary>
    /// The <paramref name="ordinal"/>-th pod's address: offset ordinal + 1 across the node's blocks in the order it
    /// claimed them (the first block's network address is the tunnel's, and its .1 unused, as before blocks were
    /// borrowed, so a node's first 62 pods keep their addresses); a full block makes the node claim the next.
    /// calico-ipam is not what bounds a node: the kubelet's max-pods is (<see cref="MaxPodsOnANode"/>).
    /// </summary>
    public override Ipv4Address PodAddress(Node node, int ordinal)
    {
        if (ordinal < 1 || ordinal > Kind.MaxPodsPerNode)
        {
            throw new InvalidOperationException(
                $"{node.Name}: more than {Kind.MaxPodsPerNode} pods on a node is beyond any kubelet's max-pods here; calico-ipam would claim another /26 block, it is not the limit.");
        }

        int offset = ordinal + 1;
        int index = offset / BlockAddresses;
        var blocks = Blocks(node);
        while (blocks.Count <= index)
        {
            ClaimBlock(node);
        }

        return new Ipv4Address(blocks[index].Network.Value + (uint)(offset % BlockAddresses));
    }

    /// <summary>cali + 11 hex digits, as Calico names a workload's interface.</summary>
    public override string HostEndName(int podNumber) => $"cali{podNumber:x11}";

    public override VethDevice AddPod(Node node, NetworkNamespace pod, Ipv4Address ip, string hostEnd)
    {
        var (eth0, cali) = VethDevice.CreatePair(pod, "eth0", node.Root, hostEnd, mtu: PodMtu(node.Eth0.Mtu));
        cali.ProxyArp = true;
        pod.AddAddress(eth0, ip, 32);
        pod.AddRoute("169.254.1.1/32", eth0);
        pod.AddRoute("0.0.0.0/0", eth0, via: "169.254.1.1");
        node.Root.AddRoute($"{ip}/32", cali);
        return eth0;
    }
}
