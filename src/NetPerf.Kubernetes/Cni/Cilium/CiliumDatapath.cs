using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Netfilter;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Cni.Cilium;

/// <summary>
/// Cilium's eBPF datapath as its agent wires a node (Documentation/network/ebpf/intro.rst and lifeofapacket.rst):
/// each pod's eth0 pairs with an lxc* device in the node's namespace whose tc ingress runs cil_from_container;
/// the node's router address sits on cilium_host (a veth paired with cilium_net), which pods route via
/// (<c>default via ROUTER dev eth0</c>, the ARP answered by bpf_lxc's ARP responder), and whose tc egress
/// runs cil_from_host; eth0's tc ingress runs cil_from_netdev; in tunnel mode cilium_vxlan (collect_md, UDP
/// 8472) or cilium_geneve (collect_md, UDP 6081) runs cil_from_overlay. Pods get the node's /24 pod CIDR (kubernetes IPAM), the router its first
/// address. Pod to pod on one node never enters the host stack; across nodes and from the wire, what the packet
/// crosses depends on <see cref="HostRouting"/> (legacy: up the stack and netfilter; eBPF: redirects).
/// </summary>
public sealed partial class CiliumDatapath : CniPlugin
{
    /// <summary>The VNI on cilium_vxlan's and cilium_geneve's packets: Cilium puts the source's security identity there; identities are not modelled, so one value.</summary>
    internal const uint TunnelVni = 2;

    private readonly Dictionary<Node, CiliumNodeState> _nodes = [];
    private readonly CiliumLoadBalancer _loadBalancer = new();
    private readonly Dictionary<uint, Node> _podCidrs = [];
    private int _podCidrLength = -1;
    private CiliumPolicy? _policy;

    /// <summary>The agent's policy engine for the cluster (the kinds' <see cref="Policy.PolicyEngine"/>): identities, the ipcache and each selected endpoint's policy map.</summary>
    internal Policy.IPolicyRenderer CreatePolicy(KubernetesCluster cluster) => _policy = new CiliumPolicy(cluster);

    /// <summary>The sizes of every node's conntrack and NAT maps (bpf-ct-global-tcp-max, bpf-ct-global-any-max, bpf-nat-global-max); set before the cluster is built.</summary>
    public CiliumMapSizes MapSizes { get; set; } = CiliumMapSizes.Default;

    /// <summary>The conntrack entries' lifetimes and the garbage collector's schedule (bpf-ct-timeout-*, conntrack-gc-interval); set before the cluster is built.</summary>
    public CiliumConntrackTimeouts ConntrackTimeouts { get; set; } = CiliumConntrackTimeouts.Default;

    /// <summary>bigTCPGSOMaxSize and bigTCPGROMaxSize (pkg/datapath/linux/bigtcp): what IPv4 BIG TCP sets on the devices.</summary>
    public const int BigTcpMaxSize = 196608;

    /// <summary>
    /// enable-ipv4-big-tcp: gso_ipv4_max_size and gro_ipv4_max_size of <see cref="BigTcpMaxSize"/> on each node's
    /// device (the agent's bigtcp reconciler) and each pod's eth0 and lxc (the CNI plugin sets the veth pair's), so a
    /// bulk TCP stream's super-packets carry up to 192 KiB rather than 64 KiB. The agent refuses it with a tunnel or
    /// legacy host routing (validateConfig), and so does this. Set before the cluster is built.
    /// </summary>
    public bool BigTcp { get; set; }

    public CiliumDatapath(CiliumRouting routing, CiliumHostRouting hostRouting = CiliumHostRouting.Legacy, bool kubeProxyReplacement = false)
    {
        Routing = routing;
        HostRouting = hostRouting;
        KubeProxyReplacement = kubeProxyReplacement;
    }

    public CiliumRouting Routing { get; }

    /// <summary>
    /// kubeProxyReplacement: true: socket LB on every node's root cgroup (<see cref="CiliumSocketLb"/>), so a pod's
    /// (or the host's) TCP connect() or UDP datagram to a ClusterIP goes to a backend from the start; the NodePorts
    /// are Cilium's in tc BPF (CiliumDatapath.NodePort.cs); kube-proxy is not run.
    /// </summary>
    public bool KubeProxyReplacement { get; set; }

    public override bool ReplacesKubeProxy => KubeProxyReplacement;

    /// <summary>What the agent runs with (after its fallback, <see cref="CiliumOptions"/>); set before the cluster is built.</summary>
    public CiliumHostRouting HostRouting { get; set; }

    public override CniPluginKind Kind => Routing switch
    {
        CiliumRouting.Native => Native,
        CiliumRouting.Vxlan => Vxlan,
        CiliumRouting.Geneve => Geneve,
        _ => throw new ArgumentOutOfRangeException(nameof(Routing), Routing, null),
    };

    /// <summary>The router address on cilium_host: the pod CIDR's first (as the cni0 gateway of flannel).</summary>
    public static Ipv4Address RouterAddress(Node node) => node.PodAddress(1);

    public VethDevice CiliumHost(Node node) => _nodes[node].CiliumHost;

    /// <summary>The conntrack and NAT maps of <paramref name="node"/>.</summary>
    internal CiliumConntrack NodeConntrack(Node node) => _nodes[node].Conntrack;

    public override void SetUpNode(Node node)
    {
        // Without kube-proxy replacement the mode does nothing (the agent runs no NodePort programs; the scenario is warned at its line).
        if (KubeProxyReplacement && Routing != CiliumRouting.Native && LoadBalancerMode != CiliumLoadBalancerMode.Snat)
        {
            throw new NotSupportedException(
                $"Cilium's DSR (loadBalancer.mode {LoadBalancerMode.ToString().ToLowerInvariant()}) as modelled carries the frontend in an IPv4 option (loadBalancer.dsrDispatch opt), which needs native routing; the agent refuses it with routingMode tunnel. " +
                "Cilium's Geneve dispatch, which also runs in a Geneve tunnel, is not modelled. Use cilium-native, or loadBalancer.mode snat.");
        }

        if (BigTcp && (Routing != CiliumRouting.Native || HostRouting != CiliumHostRouting.Ebpf))
        {
            throw new NotSupportedException(Routing != CiliumRouting.Native
                ? "Cilium's agent refuses BIG TCP in tunneling mode (pkg/datapath/linux/bigtcp validateConfig); use cilium-native."
                : "Cilium's agent refuses BIG TCP with legacy host routing (pkg/datapath/linux/bigtcp validateConfig); use eBPF host routing.");
        }

        node.Root.IpForward = true;
        if (BigTcp)
        {
            SetBigTcp(node.Eth0);
        }

        int mtu = PodMtu(node.Eth0.Mtu);
        var router = RouterAddress(node);
        var (ciliumHost, ciliumNet) = VethDevice.CreatePair(node.Root, "cilium_host", node.Root, "cilium_net", mtu);
        node.Root.AddAddress(ciliumHost, router, 32);
        // The stack resolves the router address on cilium_host before cil_from_host rewrites the MACs anyway.
        ciliumNet.AddProxyNeighbour(router);
        // The node's own pod CIDR via cilium_host (pkg/datapath/linux/node.go: the router's route, src ROUTER).
        node.Root.AddRoute(node.PodCidr.ToString(), ciliumHost, via: router.ToString());

        NetDevice? tunnel = Routing switch
        {
            CiliumRouting.Vxlan => new VxlanDevice(node.Root, "cilium_vxlan", TunnelVni, node.Ip, VxlanDevice.FlannelPort, mtu: node.Eth0.Mtu) { Df = VxlanDf },
            CiliumRouting.Geneve => new GeneveDevice(node.Root, "cilium_geneve", node.Ip, GeneveDevice.DefaultPort, mtu: node.Eth0.Mtu),
            _ => null,
        };

        var state = new CiliumNodeState(node, ciliumHost, (IMetadataTunnel?)tunnel) { Conntrack = new CiliumConntrack(node.Name, MapSizes, node.Host, ConntrackTimeouts) };
        _nodes[node] = state;
        ciliumHost.TcEgress = new CiliumFromHost(this, state);
        node.Eth0.TcIngress = new CiliumFromNetdev(this, state);
        if (tunnel is not null)
        {
            tunnel.TcIngress = new CiliumFromOverlay(this, state);
        }

        if (KubeProxyReplacement)
        {
            node.Host.SocketAddressHook = new CiliumSocketLb(_loadBalancer, node.Host.Testbed.Streams.Create($"{node.Name}/cilium/socklb"));
            state.NodePortRandom = node.Host.Testbed.Streams.Create($"{node.Name}/cilium/nodeport");
        }

        RegisterPodCidr(node);
        InstallIptables(node);
    }

    public override void ConnectNodes(IReadOnlyList<Node> nodes)
    {
        if (Routing == CiliumRouting.Native)
        {
            RefuseSeveralSegments(nodes);
        }

        base.ConnectNodes(nodes);
    }

    public override void JoinNode(Node joined, IReadOnlyList<Node> others)
    {
        if (Routing == CiliumRouting.Native)
        {
            RefuseSeveralSegments([.. others, joined]);
        }

        base.JoinNode(joined, others);
    }

    /// <summary>
    /// Native routing: autoDirectNodeRoutes' <c>POD_CIDR via NODE dev eth0</c>. Tunnel mode: the other node's pod
    /// CIDR via cilium_host (what the host stack itself sends there is encapsulated by cil_from_host); the tunnel
    /// map entry is <see cref="NodeOfPod"/>.
    /// </summary>
    protected override void RouteTowards(Node node, Node other)
    {
        RegisterPodCidr(other);
        if (Routing == CiliumRouting.Native)
        {
            node.Root.AddRoute(other.PodCidr.ToString(), node.Eth0, via: other.Ip.ToString());
        }
        else
        {
            node.Root.AddRoute(other.PodCidr.ToString(), _nodes[node].CiliumHost, via: RouterAddress(node).ToString());
        }
    }

    public override Ipv4Address PodAddress(Node node, int ordinal)
    {
        if (ordinal > Kind.PodsPerNode(node.PodCidr.Length))
        {
            throw new InvalidOperationException(
                $"{node.Name}'s pod CIDR {node.PodCidr} holds {Kind.PodsPerNode(node.PodCidr.Length)} pods (less the network address, cilium_host's router {RouterAddress(node)} and the broadcast address).");
        }

        return node.PodAddress(ordinal + 1);
    }

    /// <summary>lxc + 12 hex digits (Cilium names an endpoint's host device lxc + a hash of the container ID, within IFNAMSIZ).</summary>
    public override string HostEndName(int podNumber) => $"lxc{podNumber:x12}";

    public override VethDevice AddPod(Node node, NetworkNamespace pod, Ipv4Address ip, string hostEnd)
    {
        var state = _nodes[node];
        var router = RouterAddress(node);
        var (eth0, lxc) = VethDevice.CreatePair(pod, "eth0", node.Root, hostEnd, mtu: PodMtu(node.Eth0.Mtu));
        pod.AddAddress(eth0, ip, 32);
        pod.AddRoute($"{router}/32", eth0);
        pod.AddRoute("0.0.0.0/0", eth0, via: router.ToString());
        lxc.AddProxyNeighbour(router); // bpf_lxc answers the pod's ARP for the router with the lxc's MAC
        if (BigTcp)
        {
            SetBigTcp(eth0);
            SetBigTcp(lxc);
        }

        lxc.TcIngress = new CiliumFromContainer(this, state);
        state.Endpoints[ip.Value] = lxc;
        return eth0;
    }

    /// <summary>The agent writes the Service's ClusterIP frontend and backends into the load-balancing maps.</summary>
    public override void ServiceAdded(KubernetesCluster cluster, Services.Service service) => _loadBalancer.Add(service, service.Endpoints(cluster));

    /// <summary>The agent rewrites the Service's backends; flows already translated keep theirs (their conntrack entries).</summary>
    public override void ServiceEndpointsChanged(KubernetesCluster cluster, Services.Service service, IReadOnlyList<Pod> endpoints) =>
        _loadBalancer.Add(service, endpoints);

    /// <summary>
    /// A pod's packet to a ClusterIP, at cil_from_container: the backend chosen (lb4_local: kept in the flow's
    /// CT_SERVICE entry, created on the flow's first packet or again after an eviction) and the destination
    /// rewritten, before any routing. Returns the egress entry the translated flow needs: the frontend its
    /// replies' source goes back to (rev_nat_index); an empty one for a packet to no ClusterIP.
    /// </summary>
    internal CtEntry TranslateService(CiliumNodeState node, NetDevice device, ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        if (p.Encapsulation.Kind != EncapsulationKind.None || !_loadBalancer.TrySelect(p.Flow, out var backend, out var port))
        {
            return default;
        }

        var original = p.Flow;
        walk.Charge(KernelStage.BpfServiceNat, device);
        // The service entry holds the backend; the selection is by the tuple's hash, so a re-created entry picks the same one.
        Track(node, original, CtScope.Service, CtEntry.Frontend(backend, port), device, ref walk);
        p.SetVisibleFlow(original with { Destination = backend, DestinationPort = port });
        return CtEntry.Frontend(original.Destination, original.DestinationPort);
    }

    /// <summary>The node whose pod CIDR holds <paramref name="address"/> (the ipcache's answer), if any.</summary>
    internal Node? NodeOfPod(Ipv4Address address)
    {
        if (_podCidrLength < 0)
        {
            return null;
        }

        uint mask = _podCidrLength == 0 ? 0 : uint.MaxValue << (32 - _podCidrLength);
        return _podCidrs.GetValueOrDefault(address.Value & mask);
    }

    /// <summary>
    /// ipv4_local_delivery (bpf/lib/l3.h): the MACs rewritten and the TTL decremented (ipv4_l3), the destination
    /// endpoint's ingress program tail-called, then redirect_ep: with eBPF host routing bpf_redirect_peer
    /// into the pod's namespace, otherwise bpf_redirect to the lxc's egress, whose veth_xmit takes the backlog.
    /// The ingress program (bpf_lxc.c ipv4_policy) looks the packet up in the node's conntrack map: a reply of
    /// what the endpoint sent (CT_REPLY) passes, and gets a translated flow's frontend back as its source
    /// (lb4_rev_nat); anything else is judged by the endpoint's policy (<see cref="CiliumPolicy"/>; a denied packet
    /// is dropped) and, if new (CT_NEW), gets its ingress entry. So a reply whose egress entry the LRU reclaimed is
    /// judged as a new connection from the server (dropped if the policy does not allow it, else a new entry) and
    /// reaches its endpoint without its frontend: what Cilium itself does.
    /// </summary>
    internal void DeliverToEndpoint(CiliumNodeState node, VethDevice lxc, ref PacketWalk walk)
    {
        ref var p = ref walk.P;
        p.Ttl--;
        p.SourceMac = lxc.Mac;
        p.DestinationMac = lxc.Peer.Mac;
        walk.Charge(KernelStage.BpfToContainer, lxc);
        var flow = p.Flow;
        if (node.Conntrack.Lookup(flow.Reversed, CtScope.Egress, CtDirection.Ingress, TcpFlagsOf(ref walk), out var egress))
        {
            if (egress.HasFrontend)
            {
                walk.Charge(KernelStage.BpfServiceNat, lxc); // lb4_rev_nat
                p.SetVisibleFlow(flow with { Source = egress.FrontendAddress, SourcePort = egress.FrontendPort });
            }
        }
        else
        {
            if (_policy is { Enforcing: true } policy && !policy.Allows(flow))
            {
                walk.Drop(DropReason.TcShot, lxc); // DROP_POLICY: no entry for the source's identity and port
                return;
            }

            Track(node, flow, CtScope.Ingress, default, lxc, ref walk);
        }

        if (HostRouting == CiliumHostRouting.Ebpf)
        {
            lxc.RedirectToPeer(ref walk);
        }
        else
        {
            lxc.Transmit(ref walk);
        }
    }

    private static void SetBigTcp(NetDevice device)
    {
        device.GsoIpv4MaxSize = BigTcpMaxSize;
        device.GroIpv4MaxSize = BigTcpMaxSize;
    }

    private void RegisterPodCidr(Node node)
    {
        _podCidrLength = node.PodCidr.Length;
        _podCidrs[node.PodCidr.Network.Value] = node;
    }

    /// <summary>
    /// Cilium's iptables rules (pkg/datapath/iptables, installIptablesRules: on by default, whatever the host
    /// routing): the filter table's CILIUM_FORWARD accepts what goes to and from cilium_host and the lxc devices.
    /// They load netfilter and its conntrack on the node: what legacy host routing sends up the stack pays them,
    /// what eBPF host routing redirects never meets them.
    /// </summary>
    private static void InstallIptables(Node node)
    {
        var nf = node.Root.EnableNetfilter();
        var forward = nf.NewChain("CILIUM_FORWARD");
        forward.Append(new Rule { OutInterface = "cilium_host", Target = RuleTarget.Accept, Comment = "cilium: any->cluster on cilium_host forward accept" });
        forward.Append(new Rule { InInterface = "cilium_host", Target = RuleTarget.Accept, Comment = "cilium: cluster->any on cilium_host forward accept (nodeport)" });
        forward.Append(new Rule { InInterface = "lxc+", Target = RuleTarget.Accept, Comment = "cilium: cluster->any on lxc+ forward accept" });
        forward.Append(new Rule { InInterface = "cilium_net", Target = RuleTarget.Accept, Comment = "cilium: cluster->any on cilium_net forward accept (nodeport)" });
        nf.FilterForward.Append(new Rule { Target = RuleTarget.Jump, JumpTo = forward, Comment = "cilium-feeder: CILIUM_FORWARD" });
    }

    private static void RefuseSeveralSegments(IReadOnlyList<Node> nodes)
    {
        var segments = nodes.GroupBy(n => n.Subnet).ToList();
        if (segments.Count > 1)
        {
            var where = string.Join("; ", segments.Select(g => $"{g.Key}: {string.Join(", ", g.Select(n => n.Name))}"));
            throw new NotSupportedException(
                $"cilium-native routes each node's pods via that node's own address (autoDirectNodeRoutes), which must be on-link, " +
                $"but the nodes are on {segments.Count} subnets ({where}). Use cilium-vxlan or cilium-geneve across racks, or one rack.");
        }
    }
}
