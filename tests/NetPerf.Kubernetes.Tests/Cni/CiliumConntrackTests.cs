using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni.Cilium;
using NetPerf.Kubernetes.Policy;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Topology;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Cilium's conntrack maps are LRU hash maps (bpf/lib/conntrack_map.h: cilium_ct4_global and cilium_ct_any4_global,
/// BPF_MAP_TYPE_LRU_HASH): a node with more live flows than its map holds reclaims old entries and never refuses a
/// new one. A flow whose entry was reclaimed gets a new one from its next packet (ct_create4 runs for any CT_NEW
/// packet, SYN or not), and a reply whose egress entry is gone is CT_NEW at its endpoint's ingress (bpf_lxc.c
/// ipv4_policy): judged by the endpoint's policy ("Reply packets and related packets are allowed, all others must
/// be permitted by policy") and, having no rev_nat_index, delivered without its Service's address.
/// The layout: a client pod on node1 sending one UDP datagram from each of 1,500 ports (1,500 flows) to a server
/// pod on node2, which echoes each (the NodePort test: the same 1,500 flows from the outside host to node1's NodePort,
/// in <see cref="Paths.PathCluster"/>'s layout); Cilium's smallest map is 1,024 entries (pkg/maps/mapsize LimitTableMin).
/// </summary>
public class CiliumConntrackTests
{
    private const int Flows = 1500;
    private const int SmallestMap = CiliumMapSizes.MinEntries;
    private const ushort Port = 8080;
    private static readonly Dictionary<string, string> ClientLabels = new() { ["app"] = "client" };
    private static readonly Dictionary<string, string> ServerLabels = new() { ["app"] = "server" };
    private static readonly Ipv4Address ServiceIp = Ipv4Address.Parse("10.96.0.30");

    private sealed record Setup(KubernetesCluster Cluster, Pod Client, Pod Server, UdpSources Answers);

    private static Setup Build(int ctAnyMax)
    {
        var cilium = new CiliumDatapath(CiliumRouting.Native) { MapSizes = CiliumMapSizes.Default with { CtAny = ctAnyMax } };
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, cilium);
        var client = cluster.AddPod("client", 1, ClientLabels);
        var server = cluster.AddPod("server", 2, ServerLabels);
        _ = new UdpSocket(server.Namespace, server.Ip, Port) { Receiver = new UdpEcho() };
        return new Setup(cluster, client, server, new UdpSources());
    }

    /// <summary>One datagram from each of <see cref="Flows"/> client ports to <paramref name="destination"/>, all at once, and their echoes.</summary>
    private static void SendAll(Setup s, Ipv4Address destination, ushort port)
    {
        var sockets = Enumerable.Range(0, Flows).Select(i => new UdpSocket(s.Client.Namespace, s.Client.Ip, (ushort)(20_000 + i)) { Receiver = s.Answers }).ToList();
        foreach (var socket in sockets)
        {
            socket.Send(destination, port, 100);
        }

        s.Cluster.Bed.Sim.RunUntil(s.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(100));
    }

    private static long Evictions(Node node) => node.Host.BpfLruMaps.Single(m => m.Name == "cilium_ct_any4_global").Evictions;

    private static long Inserts(Node node) => node.Host.CpuPicosecondsOf(KernelStage.BpfMapInsert) / CostTable.Default()[KernelStage.BpfMapInsert].FixedPicoseconds;

    private static long AllDrops(KubernetesCluster cluster) =>
        cluster.Nodes.Sum(n => Enum.GetValues<DropReason>().Sum(r => n.Host.Drops(r)));

    [Fact]
    public void A_conntrack_map_smaller_than_the_live_flows_evicts_old_entries_and_drops_nothing()
    {
        var small = Build(SmallestMap);
        SendAll(small, small.Server.Ip, Port);

        Assert.Equal(Flows, small.Answers.From.Count);
        Assert.Equal(0, AllDrops(small.Cluster));
        // node2 holds one ingress entry per flow; node1 one egress entry, and for each flow whose egress entry was
        // reclaimed before its echo came back, an ingress entry for that echo: so at least 1,500 - 1,024 reclaims each.
        Assert.True(Evictions(small.Cluster.Node(2)) >= Flows - SmallestMap, $"node2 reclaimed {Evictions(small.Cluster.Node(2))}");
        Assert.True(Evictions(small.Cluster.Node(1)) >= Flows - SmallestMap, $"node1 reclaimed {Evictions(small.Cluster.Node(1))}");
        Assert.True(Inserts(small.Cluster.Node(1)) > Flows, $"node1 wrote {Inserts(small.Cluster.Node(1))} entries for {Flows} flows: the echoes of reclaimed flows pay new ones");
        Assert.True(small.Cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfLruEvict) > 0);

        // The default map (262,144 entries) holds them all: one entry per flow per node, nothing reclaimed.
        var ample = Build(CiliumMapSizes.DefaultCtAny);
        SendAll(ample, ample.Server.Ip, Port);
        Assert.Equal(Flows, ample.Answers.From.Count);
        Assert.Equal(0, Evictions(ample.Cluster.Node(1)) + Evictions(ample.Cluster.Node(2)));
        Assert.Equal(Flows, Inserts(ample.Cluster.Node(1)));
        Assert.Equal(Flows, Inserts(ample.Cluster.Node(2)));
        Assert.Equal(0, ample.Cluster.Node(1).Host.CpuPicosecondsOf(KernelStage.BpfLruEvict));
    }

    [Fact]
    public void A_reply_whose_egress_entry_was_evicted_is_judged_by_the_endpoints_policy_as_a_new_connection()
    {
        // The client accepts no new connection (a default deny selecting it); its own flows' replies pass by their egress entries.
        (int Answered, long Dropped) Run(int ctAnyMax)
        {
            var s = Build(ctAnyMax);
            new NetworkPolicies(s.Cluster).Add(new NetworkPolicy("client-deny-all", ClientLabels, []));
            SendAll(s, s.Server.Ip, Port);
            return (s.Answers.From.Count, s.Cluster.Node(1).Host.Drops(DropReason.TcShot));
        }

        var ample = Run(CiliumMapSizes.DefaultCtAny);
        Assert.Equal((Flows, 0L), ample);

        // Every echo whose egress entry the LRU reclaimed is DROP_POLICY at the client's endpoint; the rest pass. (Without
        // the policy each such echo's new ingress entry reclaims the next-oldest egress entry before that flow's echo
        // arrives, so in strict LRU order every echo of this burst is CT_NEW; with the policy nothing new is written.)
        // The 1,500 datagrams leave before the first echo is back, so the map keeps the last 1,024 flows' entries: the
        // echoes of the 476 others are dropped, exactly those.
        var small = Run(SmallestMap);
        Assert.Equal((SmallestMap, (long)(Flows - SmallestMap)), small);
    }

    [Fact]
    public void A_ClusterIP_reply_whose_entry_was_evicted_reaches_the_client_from_the_backend_address_not_the_Services()
    {
        // Per-packet Service translation at cil_from_container (no kube-proxy replacement): the egress entry keeps the
        // frontend (rev_nat_index), and lb4_rev_nat restores it on the reply; without the entry it cannot.
        (int FromService, int FromBackend) Run(int ctAnyMax)
        {
            var s = Build(ctAnyMax);
            var add = KubeProxyMode.Get("iptables").Install(s.Cluster);
            add(new Service("server", ServiceIp, 80, Port, IpProtocol.Udp, ServerLabels));
            SendAll(s, ServiceIp, 80);
            return (s.Answers.From.Count(f => f == (ServiceIp, (ushort)80)), s.Answers.From.Count(f => f == (s.Server.Ip, Port)));
        }

        Assert.Equal((Flows, 0), Run(CiliumMapSizes.DefaultCtAny));

        // Each flow takes two entries on node1 (CT_SERVICE and its egress entry), so many are reclaimed before the echo.
        var small = Run(SmallestMap);
        Assert.Equal(Flows, small.FromService + small.FromBackend);
        Assert.True(small.FromBackend > 0, "no echo lost its frontend");
    }

    [Fact]
    public void A_NodePort_reply_whose_SNAT_mapping_was_evicted_is_not_translated_back_and_goes_up_the_entry_nodes_stack()
    {
        // Kube-proxy replacement's NodePort with SNAT: node1 writes each flow's mapping both ways into its NAT map;
        // rev_nodeport_lb4 translates a backend's reply back by the reverse half. A reply whose mapping is gone
        // (snat_v4_rev_nat finds none: NAT_PUNT_TO_STACK for these kept client ports, 20,000 up, below the range's
        // min_port; DROP_NAT_NO_MAPPING at or above it; rev_nodeport_lb4 passes both to the stack) goes up node1's stack to its own address
        // and a port no socket holds, and is lost there; the client never sees it. (The kernel answers the backend,
        // with ICMP port unreachable for this UDP or a RST for TCP, tcp_v4_send_reset: not modelled.)
        (int Answered, long Evicted, long LostOnNode1) Run(int natMax)
        {
            var cilium = new CiliumDatapath(CiliumRouting.Native, CiliumHostRouting.Ebpf, kubeProxyReplacement: true) { MapSizes = CiliumMapSizes.Default with { Nat = natMax } };
            var path = new Paths.PathCluster(cilium, "iptables", "node-port");
            var answers = new UdpSources();
            var sockets = Enumerable.Range(0, Flows).Select(i => new UdpSocket(path.From, path.Source, (ushort)(20_000 + i)) { Receiver = answers }).ToList();
            foreach (var socket in sockets)
            {
                socket.Send(path.Destination, path.Port, 100);
            }

            path.Cluster.Bed.Sim.RunUntil(path.Cluster.Bed.Sim.Now + SimTime.FromMilliseconds(100));
            var node1 = path.Cluster.Node(1).Host;
            return (answers.From.Count, node1.BpfLruMaps.Single(m => m.Name == "cilium_snat_v4_external").Evictions,
                Enum.GetValues<DropReason>().Sum(r => node1.Drops(r)));
        }

        var ample = Run(CiliumMapSizes.DefaultNat);
        Assert.Equal((Flows, 0L, 0L), ample);

        var small = Run(SmallestMap);
        Assert.True(small.Evicted >= (2 * Flows) - SmallestMap, $"{small.Evicted} NAT entries reclaimed");
        Assert.True(small.Answered < Flows, $"{small.Answered} answered");
        Assert.Equal(Flows, small.Answered + small.LostOnNode1);
    }
}
