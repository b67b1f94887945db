using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Tests.Fabric;

/// <summary>A kind cluster: node containers on one host's bridge, sharing its cores, with Docker's br_netfilter.</summary>
public class KindNetworkTests
{
    private static KubernetesCluster Kind(bool bridgeNetfilter = true) =>
        new(new ClusterOptions { Nodes = 2, CoresPerNode = 1, Fabric = ClusterFabric.Kind, BridgeNetfilter = bridgeNetfilter }, new FlannelHostGw());

    /// <summary>Sends one datagram from node1's root namespace to node2's, returns the host machine's CPU by stage.</summary>
    private static Network.Topology.Host OneDatagram(KubernetesCluster cluster)
    {
        var server = new UdpSocket(cluster.Node(2).Root, cluster.Node(2).Ip, 9);
        var client = new UdpSocket(cluster.Node(1).Root, cluster.Node(1).Ip, 5000);
        client.Send(cluster.Node(2).Ip, 9, 64);
        cluster.Bed.Sim.Run();
        Assert.Equal(1, server.Received);
        return cluster.Kind!.Host;
    }

    [Fact]
    public void Every_node_runs_on_the_hosts_cores()
    {
        var cluster = Kind();
        Assert.Same(cluster.Kind!.Host.Cores[0], cluster.Node(1).Host.Cores[0]);
        Assert.Same(cluster.Kind.Host.Cores[0], cluster.Node(2).Host.Cores[0]);
        Assert.Single(cluster.Node(1).Host.Cores);
    }

    [Fact]
    public void A_frame_between_nodes_is_bridged_by_the_host_through_br_netfilter_and_conntrack_with_no_NIC()
    {
        var cluster = Kind();
        var host = OneDatagram(cluster);
        Assert.True(host.CpuPicosecondsOf(KernelStage.BridgeForward) > 0);
        Assert.True(host.CpuPicosecondsOf(KernelStage.BridgeNetfilter) > 0);
        Assert.True(host.CpuPicosecondsOf(KernelStage.ConntrackNew) > 0); // the first packet of a flow: the host's conntrack creates its entry
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(0, node.Host.CpuPicosecondsOf(KernelStage.NicTransmit));
            Assert.Equal(0, node.Host.CpuPicosecondsOf(KernelStage.NicReceive));
        }
    }

    [Fact]
    public void Without_bridge_nf_call_iptables_the_host_only_bridges()
    {
        var host = OneDatagram(Kind(bridgeNetfilter: false));
        Assert.True(host.CpuPicosecondsOf(KernelStage.BridgeForward) > 0);
        Assert.Equal(0, host.CpuPicosecondsOf(KernelStage.BridgeNetfilter));
        Assert.Equal(0, host.CpuPicosecondsOf(KernelStage.NetfilterHook));
        Assert.Equal(0, host.CpuPicosecondsOf(KernelStage.ConntrackLookup) + host.CpuPicosecondsOf(KernelStage.ConntrackNew));
    }

    [Fact]
    public void A_kind_cluster_is_one_docker_network_so_it_has_one_rack()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new KubernetesCluster(new ClusterOptions { Nodes = 4, Racks = 2, Fabric = ClusterFabric.Kind }, new FlannelVxlan()));
    }

    [Fact]
    public void Work_of_two_nodes_queues_on_the_one_shared_core()
    {
        // Both nodes start a system call at the same instant: on one shared core the second waits for the first,
        // so it completes after twice the call's cost (on machines of their own both would finish after one).
        var cluster = Kind();
        var done = new Completions(cluster.Bed.Sim);
        cluster.Node(1).Host.RunKernelWork(0, KernelStage.Syscall, 0, 0, done);
        cluster.Node(2).Host.RunKernelWork(0, KernelStage.Syscall, 0, 0, done);
        cluster.Bed.Sim.Run();
        long call = cluster.Options.Costs.Of(KernelStage.Syscall, 0);
        Assert.Equal([call, 2 * call], done.At);
    }

    private sealed class Completions(Engine.Scheduling.Simulator sim) : Engine.Scheduling.IEventHandler
    {
        public List<long> At { get; } = [];

        public void OnEvent(int kind, long arg) => At.Add(sim.Now.Picoseconds);
    }
}
