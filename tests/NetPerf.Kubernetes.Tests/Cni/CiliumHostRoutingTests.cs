using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Tests.Paths;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// What Cilium's host routing changes for a packet entering a node for one of its pods (Cilium's tuning guide,
/// "eBPF Host-Routing": bypass iptables and the upper host stack, and a faster namespace switch than veth's),
/// what its tunnel puts on the wire, and that its programs are each charged as a stage of their own.
/// </summary>
public class CiliumHostRoutingTests
{
    /// <summary>Every stage each packet crossed, in order, with the host and the packet's outer tuple.</summary>
    private sealed class StageLog : IPacketTracer
    {
        public List<(string Host, KernelStage Stage, FiveTuple Visible, int IpLength)> Stages { get; } = [];

        public void OnStage(int packet, KernelStage stage, NetworkNamespace ns, NetDevice? device, int core, long costPicoseconds)
        {
            ref var p = ref ns.Host.Pool[packet];
            Stages.Add((ns.Host.Name, stage, p.VisibleFlow, p.IpLength));
        }

        public void OnDrop(int packet, DropReason reason, NetDevice? device)
        {
        }

        /// <summary>The request's stages on <paramref name="host"/>, from its arrival to its delivery to the server's socket.</summary>
        public List<KernelStage> RequestOn(string host)
        {
            int deliver = Stages.FindIndex(s => s.Host == host && s.Stage == KernelStage.SocketDeliver);
            return [.. Stages.Take(deliver + 1).Where(s => s.Host == host).Select(s => s.Stage)];
        }
    }

    [Theory]
    [InlineData(CiliumRouting.Native)]
    [InlineData(CiliumRouting.Vxlan)]
    [InlineData(CiliumRouting.Geneve)]
    public void With_ebpf_host_routing_a_packet_entering_the_node_skips_netfilter_and_the_backlog_and_with_legacy_it_does_not(CiliumRouting routing)
    {
        var legacy = new PathCluster(new CiliumDatapath(routing, CiliumHostRouting.Legacy), "iptables", "pod-cross-node").Send(new StageLog()).RequestOn("node2");
        var ebpf = new PathCluster(new CiliumDatapath(routing, CiliumHostRouting.Ebpf), "iptables", "pod-cross-node").Send(new StageLog()).RequestOn("node2");

        // Legacy: the stack forwards the inner packet (natively routed) or delivers the outer one (tunnel), with
        // netfilter's hooks and conntrack, and the pod's lxc takes the packet through the backlog.
        Assert.Contains(KernelStage.NetfilterHook, legacy);
        Assert.Contains(routing == CiliumRouting.Native ? KernelStage.ConntrackLookup : KernelStage.ConntrackOuterLookup, legacy);
        Assert.Contains(KernelStage.VethTransmit, legacy);
        Assert.Contains(KernelStage.BacklogReceive, legacy);
        Assert.Contains(KernelStage.BpfFromNetdev, legacy);
        Assert.Contains(KernelStage.BpfToContainer, legacy);

        // eBPF: from eth0's program into the pod's namespace. Natively routed nothing else of the host's stack
        // runs; in tunnel mode the outer packet is still the node's (UDP to the VXLAN socket), but its inner
        // packet is redirected into the pod without veth_xmit or the backlog.
        Assert.DoesNotContain(KernelStage.VethTransmit, ebpf);
        Assert.Contains(KernelStage.BpfFromNetdev, ebpf);
        Assert.Contains(KernelStage.BpfToContainer, ebpf);
        if (routing == CiliumRouting.Native)
        {
            Assert.DoesNotContain(KernelStage.NetfilterHook, ebpf);
            Assert.DoesNotContain(KernelStage.ConntrackLookup, ebpf);
            Assert.DoesNotContain(KernelStage.BacklogReceive, ebpf);
            Assert.DoesNotContain(KernelStage.IpForward, ebpf);
            Assert.Contains(KernelStage.IpForward, legacy);
        }
        else
        {
            // vxlan_rcv and geneve_rx queue the inner frame to the tunnel device's gro_cells (its backlog here), in both modes.
            Assert.Equal(1, ebpf.Count(s => s == KernelStage.BacklogReceive));
            Assert.Equal(2, legacy.Count(s => s == KernelStage.BacklogReceive));
        }
    }

    [Fact]
    public void Leaving_the_node_ebpf_host_routing_redirects_out_of_eth0_past_the_stack()
    {
        var legacy = new PathCluster(new CiliumDatapath(CiliumRouting.Native, CiliumHostRouting.Legacy), "iptables", "pod-cross-node").Send(new StageLog());
        var ebpf = new PathCluster(new CiliumDatapath(CiliumRouting.Native, CiliumHostRouting.Ebpf), "iptables", "pod-cross-node").Send(new StageLog());
        List<KernelStage> Sent(StageLog log) => [.. log.Stages.TakeWhile(s => s.Stage != KernelStage.NicTransmit).Where(s => s.Host == "node1").Select(s => s.Stage)];

        Assert.Contains(KernelStage.IpForward, Sent(legacy));
        Assert.Contains(KernelStage.NetfilterHook, Sent(legacy));
        Assert.DoesNotContain(KernelStage.IpForward, Sent(ebpf));
        Assert.DoesNotContain(KernelStage.NetfilterHook, Sent(ebpf));
        Assert.Contains(KernelStage.FibLookup, Sent(ebpf)); // bpf_redirect_neigh's bpf_fib_lookup
    }

    [Fact]
    public void The_vxlan_tunnel_carries_a_pods_packet_in_50_bytes_of_udp_to_port_8472_between_the_nodes()
    {
        var log = new PathCluster(new CiliumDatapath(CiliumRouting.Vxlan), "iptables", "pod-cross-node").Send(new StageLog());
        var inner = log.Stages.First(s => s.Host == "node1" && s.Stage == KernelStage.BpfFromContainer);
        var wire = log.Stages.First(s => s.Host == "node1" && s.Stage == KernelStage.NicTransmit);

        Assert.Equal(IpProtocol.Udp, wire.Visible.Protocol);
        Assert.Equal(8472, wire.Visible.DestinationPort);
        Assert.Equal("192.168.0.2", wire.Visible.Destination.ToString());
        Assert.Equal(inner.IpLength + 50, wire.IpLength); // outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 (MTU-20)
    }

    [Fact]
    public void The_geneve_tunnel_carries_a_pods_packet_in_50_bytes_of_udp_to_port_6081_between_the_nodes()
    {
        var log = new PathCluster(new CiliumDatapath(CiliumRouting.Geneve), "iptables", "pod-cross-node").Send(new StageLog());
        var inner = log.Stages.First(s => s.Host == "node1" && s.Stage == KernelStage.BpfFromContainer);
        var encapsulated = log.Stages.First(s => s.Host == "node1" && s.Stage == KernelStage.GeneveEncapsulate);
        var wire = log.Stages.First(s => s.Host == "node1" && s.Stage == KernelStage.NicTransmit);

        Assert.Equal(IpProtocol.Udp, wire.Visible.Protocol);
        Assert.Equal(6081, wire.Visible.DestinationPort); // GENEVE_UDP_PORT, IANA's
        Assert.InRange(wire.Visible.SourcePort, 32768, 60999); // udp_flow_src_port over the local port range
        Assert.Equal("192.168.0.1", wire.Visible.Source.ToString());
        Assert.Equal("192.168.0.2", wire.Visible.Destination.ToString());
        Assert.Equal("10.244.1.2", encapsulated.Visible.Source.ToString()); // the pod's packet goes in whole
        // outer IPv4 20 + UDP 8 + Geneve base header 8 (no options) + inner Ethernet 14: GENEVE_IPV4_HLEN
        Assert.Equal(inner.IpLength + 50, wire.IpLength);
        Assert.DoesNotContain(log.Stages, s => s.Stage is KernelStage.VxlanEncapsulate or KernelStage.VxlanDecapsulate);
        Assert.Contains(log.Stages, s => s.Host == "node2" && s.Stage == KernelStage.GeneveDecapsulate);
    }

    [Theory]
    [InlineData("cilium-vxlan", 1500, 1450, 50)]
    [InlineData("cilium-geneve", 1500, 1450, 50)] // Cilium's one TunnelOverheadIPv4 (pkg/mtu) for either protocol
    [InlineData("cilium-geneve", 9001, 8951, 50)] // an AWS ENA node
    [InlineData("cilium-native", 1500, 1500, 0)]
    public void A_tunnelled_cilium_pod_gets_the_node_mtu_less_the_tunnels_headers(string cni, int nodeMtu, int podMtu, int headers)
    {
        var kind = CniPlugins.Get(cni);
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, NodeMtu = nodeMtu, Costs = CostTable.Free() }, kind.Create());
        var pod = cluster.AddPod("a", 1);

        Assert.Equal(podMtu, pod.Eth0!.Mtu);
        Assert.Equal(headers, kind.MtuOverhead);
        Assert.Equal(nodeMtu, pod.Eth0.Mtu + headers); // a full-sized pod packet, wrapped, is a full-sized node packet: never fragmented
    }

    [Fact]
    public void Cilium_geneve_puts_a_metadata_geneve_device_on_every_node_and_keeps_the_nodes_mtu_on_it()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = CostTable.Free() }, CniPlugins.Get("cilium-geneve").Create());
        foreach (var node in cluster.Nodes)
        {
            var geneve = Assert.IsType<GeneveDevice>(node.Root.Devices.Single(d => d.Name == "cilium_geneve"));
            Assert.Equal(6081, geneve.Port);
            Assert.Equal(node.Ip, geneve.Local);
            Assert.Equal(node.Eth0.Mtu, geneve.Mtu);
            Assert.DoesNotContain(node.Root.Devices, d => d.Name == "cilium_vxlan");
        }
    }

    [Fact]
    public void Natively_routed_the_packet_on_the_wire_is_the_pods_own()
    {
        var log = new PathCluster(new CiliumDatapath(CiliumRouting.Native), "iptables", "pod-cross-node").Send(new StageLog());
        var wire = log.Stages.First(s => s.Host == "node1" && s.Stage == KernelStage.NicTransmit);
        Assert.Equal("10.244.1.2", wire.Visible.Source.ToString());
        Assert.Equal("10.244.2.2", wire.Visible.Destination.ToString());
    }

    [Theory]
    [InlineData(CiliumHostRouting.Legacy)]
    [InlineData(CiliumHostRouting.Ebpf)]
    public void A_clusterip_packet_leaves_with_the_backends_address_and_walks_no_nat_rule_of_kube_proxys(CiliumHostRouting host)
    {
        var cluster = new PathCluster(new CiliumDatapath(CiliumRouting.Native, host), "iptables", "cluster-ip");
        var log = cluster.Send(new StageLog());
        var wire = log.Stages.First(s => s.Host == "node1" && s.Stage == KernelStage.NicTransmit);

        Assert.Equal("10.244.2.2", wire.Visible.Destination.ToString()); // web-1, not the ClusterIP 10.96.0.20
        Assert.Equal(8080, wire.Visible.DestinationPort);
        var onNode1 = log.Stages.TakeWhile(s => s.Stage != KernelStage.NicTransmit).Select(s => s.Stage).ToList();
        Assert.Contains(KernelStage.BpfServiceNat, onNode1);
        Assert.DoesNotContain(KernelStage.Nat, onNode1); // no DNAT by kube-proxy's KUBE-SEP rule
    }

    [Theory]
    [InlineData("cilium-native")]
    [InlineData("cilium-vxlan")]
    [InlineData("cilium-geneve")]
    public void Every_program_a_packet_crosses_costs_cpu_on_the_node_that_runs_it(string name)
    {
        var cluster = new PathCluster(CniPlugins.Get(name).Create(), "iptables", "cluster-ip");
        cluster.Send();
        var stages = new[] { KernelStage.BpfFromContainer, KernelStage.BpfToContainer, KernelStage.BpfFromNetdev, KernelStage.BpfServiceNat };
        foreach (var stage in stages)
        {
            Assert.True(cluster.Cluster.Nodes.Sum(n => n.Host.CpuPicosecondsOf(stage)) > 0, $"{stage} charged nothing");
        }
    }
}
