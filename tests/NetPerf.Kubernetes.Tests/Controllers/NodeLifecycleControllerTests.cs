using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Controllers;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Tests.Controllers;

/// <summary>
/// A node that fails hard: its pods stop answering at once, but stay Ready endpoints until the node lifecycle
/// controller's grace period (50 s) has passed without a heartbeat; they are deleted and replaced only when their
/// 300 s toleration of the unreachable taint runs out.
/// </summary>
public class NodeLifecycleControllerTests
{
    private static readonly Dictionary<string, string> Shop = new() { ["app"] = "shop" };
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.50");

    private sealed record Rig(KubernetesCluster Cluster, Deployment Deployment, EndpointSliceController Slices, Service Service, KubeProxySync Sync, NodeLifecycleController Lifecycle);

    private static Rig Build()
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
        var d = new Deployment(cluster, "shop", 2, Shop, [2, 3]);
        var service = new Service("shop", Vip, 53, 53, IpProtocol.Udp, Shop);
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(service);
        var slices = new EndpointSliceController(cluster);
        var sync = proxy.FollowEndpointSlices(slices);
        return new Rig(cluster, d, slices, service, sync,
            new NodeLifecycleController(cluster, [d], NodeLifecycleController.DefaultGracePeriod, NodeLifecycleController.DefaultTolerationSeconds));
    }

    private static SliceEndpoint OnNode3(Rig r) => r.Slices.Endpoints(r.Service).Single(e => e.Pod.Node.Index == 3 && e.Pod.Name == "shop-1");

    [Fact]
    public void The_failed_nodes_pod_stays_a_ready_endpoint_for_the_grace_period_then_leaves_the_rules()
    {
        var r = Build();
        var sim = r.Cluster.Bed.Sim;
        r.Lifecycle.Fail(3);

        sim.RunUntil(SimTime.FromSeconds(49.9));
        Assert.True(OnNode3(r).Ready); // nothing told the API yet
        Assert.Empty(r.Sync.Syncs);

        sim.RunUntil(SimTime.FromSeconds(50.1));
        Assert.True(r.Cluster.Node(3).Unreachable);
        Assert.Equal((false, false, false), (OnNode3(r).Ready, OnNode3(r).Serving, OnNode3(r).Terminating)); // MarkPodsNotReady
        var programmed = Assert.Single(r.Sync.Syncs);
        Assert.True(programmed.Started >= SimTime.FromSeconds(50) && programmed.Programmed < SimTime.FromSeconds(50.1));
        Assert.Equal(["shop-0"], SliceEndpoint.Usable(r.Slices.Endpoints(r.Service)).Select(p => p.Name));
        Assert.Equal(["shop-0", "shop-1"], r.Deployment.Pods.Select(p => p.Name)); // not Ready, but still a replica: no replacement yet
    }

    [Fact]
    public void Its_pods_are_deleted_and_replaced_elsewhere_only_when_the_300_s_toleration_of_the_taint_ends()
    {
        var r = Build();
        var sim = r.Cluster.Bed.Sim;
        r.Lifecycle.Fail(3);

        sim.RunUntil(SimTime.FromSeconds(349.9));
        Assert.False(OnNode3(r).Terminating);
        Assert.Equal(2, r.Deployment.Pods.Count);

        sim.RunUntil(SimTime.FromSeconds(350.1)); // grace 50 s + tolerationSeconds 300 s
        Assert.True(OnNode3(r).Terminating);
        var replacement = Assert.Single(r.Deployment.Pods, p => !p.Terminating && p.Name != "shop-0");
        Assert.Equal(2, replacement.Node.Index); // the unreachable node is tainted NoSchedule

        sim.RunUntil(SimTime.FromSeconds(500));
        Assert.Contains(r.Deployment.Pods, p => p.Name == "shop-1"); // no kubelet finishes it: Terminating for good
    }

    [Fact]
    public void From_the_failure_on_nothing_reaches_the_nodes_pods()
    {
        var r = Build();
        var client = r.Cluster.AddPod("client", 1);
        var pod = r.Cluster.Pod("shop-1");
        var server = new UdpSocket(pod.Namespace, pod.Ip, 53);
        var socket = new UdpSocket(client.Namespace, client.Ip, 40000);
        var sim = r.Cluster.Bed.Sim;

        socket.Send(pod.Ip, 53, 64);
        sim.RunUntil(SimTime.FromMilliseconds(1));
        Assert.Equal(1, server.Received);

        r.Lifecycle.Fail(3);
        socket.Send(pod.Ip, 53, 64);
        sim.RunUntil(SimTime.FromMilliseconds(2));
        Assert.Equal(1, server.Received); // lost at the dead NIC, and no error comes back
        Assert.True(OnNode3(r).Ready);
    }
}
