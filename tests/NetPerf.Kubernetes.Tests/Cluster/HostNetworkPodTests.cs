using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Cluster;

/// <summary>hostNetwork pods: the node's root namespace and IP, no veth.</summary>
public class HostNetworkPodTests
{
    private static readonly Dictionary<string, string> Agent = new() { ["app"] = "agent" };

    [Fact]
    public void A_hostNetwork_pod_has_the_nodes_IP_and_namespace_and_takes_no_pod_address()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("flannel-vxlan"));
        var agent = cluster.AddHostNetworkPod("agent-1", 1, Agent);
        var pod = cluster.AddPod("client", 1);
        Assert.True(agent.HostNetwork);
        Assert.Equal(cluster.Node(1).Ip, agent.Ip);
        Assert.Same(cluster.Node(1).Root, agent.Namespace);
        Assert.Null(agent.HostEnd);
        Assert.Equal(Ipv4Address.Parse("10.244.1.2"), pod.Ip); // the first pod address after cni0's, as without the agent
    }

    [Theory]
    [InlineData("flannel-vxlan", new[]
    {
        // pod -> cni0 -> routed by node1 (not to flannel.1: the node subnet is on eth0) -> wire -> node2's own stack
        "node1/root/veth00000002 BacklogReceive", "node1/root/cni0 BridgeForward", "node1/root/cni0 IpInput", "node1/root/cni0 FibLookup",
        "node1/root/eth0 IpForward", "node1/root/eth0 NicTransmit",
        "node2/root/eth0 NicReceive", "node2/root/eth0 IpInput", "node2/root/eth0 FibLookup", "node2/root UdpInput", "node2/root SocketDeliver",
    })]
    [InlineData("calico-bgp", new[]
    {
        "node1/root/cali00000000002 BacklogReceive", "node1/root/cali00000000002 IpInput", "node1/root/cali00000000002 FibLookup",
        "node1/root/eth0 IpForward", "node1/root/eth0 NicTransmit",
        "node2/root/eth0 NicReceive", "node2/root/eth0 IpInput", "node2/root/eth0 FibLookup", "node2/root UdpInput", "node2/root SocketDeliver",
    })]
    public void A_pod_reaches_a_hostNetwork_pod_on_another_node_at_the_nodes_IP_with_no_tunnel_and_no_veth_at_the_far_end(string cni, string[] hops)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = CostTable.Uniform(StageCost.Nanoseconds(100)) }, CniPlugin.ByName(cni));
        var agent = cluster.AddHostNetworkPod("agent-2", 2, Agent);
        var client = cluster.AddPod("client", 1);
        var got = new Collector();
        _ = new UdpSocket(agent.Namespace, agent.Ip, 5201) { Receiver = got };
        var trace = new RecordingTracer();
        foreach (var node in cluster.Nodes)
        {
            node.Host.Tracer = trace;
        }

        new UdpSocket(client.Namespace, client.Ip, 40000).Send(agent.Ip, 5201, 100);
        cluster.Bed.Sim.Run();

        Assert.Single(got.Got);
        Assert.Equal(
            ["node1/client Syscall", "node1/client UdpOutput", "node1/client FibLookup", "node1/client/eth0 IpOutput", "node1/client/eth0 VethTransmit", .. hops],
            trace.Stages);
    }

    [Theory]
    [InlineData("flannel-vxlan", "10.244.1.0")] // masqueraded (KUBE-SVC: source outside the pod network) to flannel.1's address
    [InlineData("calico-bgp", "192.168.0.1")]   // to eth0's, the route to node2's block leaving by eth0
    public void A_hostNetwork_pod_reaches_a_Service_as_its_node_would_masqueraded_and_is_itself_an_endpoint_at_the_node_IP(string cni, string seenAs)
    {
        var web = new Dictionary<string, string> { ["app"] = "web" };
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName(cni));
        var agent = cluster.AddHostNetworkPod("agent-1", 1, Agent);
        var server = cluster.AddPod("web-1", 2, web);
        var counter = new TcpCounter();
        _ = new TcpListener(server.Namespace, 8080, counter);
        var agentServer = new TcpCounter();
        _ = new TcpListener(agent.Namespace, 9100, agentServer);
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(new Service("web", Ipv4Address.Parse("10.96.0.10"), 80, 8080, IpProtocol.Tcp, web));
        proxy.Add(new Service("agent", Ipv4Address.Parse("10.96.0.11"), 9100, 9100, IpProtocol.Tcp, Agent));

        var toService = TcpSocket.Connect(agent.Namespace, Ipv4Address.Parse("10.96.0.10"), 80, new TcpWriter(100));
        var toAgent = TcpSocket.Connect(server.Namespace, Ipv4Address.Parse("10.96.0.11"), 9100, new TcpWriter(100));
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20));

        Assert.Equal(100, counter.Received);
        Assert.Equal([Ipv4Address.Parse(seenAs)], counter.Peers);
        Assert.Equal(0, toService.Statistics.ForeignSegments);
        Assert.Equal(100, agentServer.Received); // KUBE-SEP DNATs to 192.168.0.1:9100
        Assert.Equal([server.Ip], agentServer.Peers); // a pod's connection keeps its address
        Assert.Equal(0, toAgent.Statistics.ForeignSegments);
    }
}
