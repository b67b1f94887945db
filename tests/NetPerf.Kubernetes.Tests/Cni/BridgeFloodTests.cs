using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Network.Cpu;
using NetPerf.Network.Devices;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Kubernetes.Tests.Cni;

/// <summary>
/// Issue 16's `trace pod-cross-node` drop at node2/coredns/eth0 (OtherHost): the first frame node2's cni0 sent
/// to web-1 was flooded to every port, coredns's too, because the bridge had not learned web-1's port. On Linux the
/// ARP reply that filled node2's neighbour cache would have taught it, so nothing floods on a fresh path.
/// </summary>
public class BridgeFloodTests
{
    [Fact]
    public void The_first_datagram_to_a_pod_on_another_flannel_node_reaches_it_alone_and_no_other_pod_sees_a_copy()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = CostTable.Uniform(StageCost.Nanoseconds(100)) }, CniPlugin.ByName("flannel-vxlan"));
        var client = cluster.AddPod("client", 1);
        var server = cluster.AddPod("web-1", 2);
        _ = cluster.AddPod("coredns", 2); // a bystander on the same bridge
        var got = new Collector();
        _ = new UdpSocket(server.Namespace, server.Ip, 8080) { Receiver = got };

        new UdpSocket(client.Namespace, client.Ip, 40000).Send(server.Ip, 8080, 100);
        cluster.Bed.Sim.RunUntil(cluster.Bed.Sim.Now + SimTime.FromMilliseconds(1));

        Assert.Single(got.Got);
        var cni0 = (BridgeDevice)cluster.Node(2).Root.Devices.Single(d => d.Name == "cni0");
        Assert.Equal(0, cni0.Floods);
        Assert.Equal(0, cluster.Node(2).Host.Drops(DropReason.OtherHost));
    }
}
