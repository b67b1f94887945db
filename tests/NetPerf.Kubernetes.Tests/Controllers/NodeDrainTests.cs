using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Controllers;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Tests.Controllers;

/// <summary>
/// kubectl drain: the node cordoned, its pods evicted as graceful deletes (terminating in their slices at once,
/// dropped from kube-proxy's rules at its next sync, SIGTERM after preStop), their replacements placed on nodes that
/// are still schedulable.
/// </summary>
public class NodeDrainTests
{
    private static readonly Dictionary<string, string> Shop = new() { ["app"] = "shop" };

    private static (KubernetesCluster Cluster, Deployment Deployment) Build(PodLifecycle lifecycle)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 3 }, CniPlugin.ByName("calico-bgp"));
        return (cluster, new Deployment(cluster, "shop", 4, Shop, [2, 3], RollingUpdate.Default(4), lifecycle));
    }

    [Fact]
    public void A_drained_nodes_pods_terminate_at_once_and_are_replaced_on_the_nodes_still_schedulable()
    {
        var (cluster, d) = Build(new PodLifecycle { PreStopSleep = SimTime.FromSeconds(2) });
        Assert.Equal([2, 3, 2, 3], d.Pods.Select(p => p.Node.Index)); // round robin over its nodes

        var evicted = NodeDrain.Drain(cluster, [d], 3);

        Assert.True(cluster.Node(3).Unschedulable);
        Assert.Equal(["shop-1", "shop-3"], evicted.Select(p => p.Name));
        Assert.All(evicted, p => Assert.True(p.Terminating));
        // The ReplicaSet keeps 4 running at once; the cordoned node gets none, though the round robin would pick it.
        var alive = d.Pods.Where(p => !p.Terminating).ToList();
        Assert.Equal(4, alive.Count);
        Assert.All(alive, p => Assert.Equal(2, p.Node.Index));

        // The evicted pods keep their containers through the preStop sleep (2 s), then SIGTERM, and the objects go
        // a PLEG relist (1 s) after it: the node is empty of the deployment's pods at 3 s.
        cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(2.5));
        Assert.Contains(d.Pods, p => p.Node.Index == 3);
        cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(3.5));
        Assert.DoesNotContain(d.Pods, p => p.Node.Index == 3);
    }

    [Fact]
    public void Kube_proxy_drops_the_evicted_endpoints_at_its_next_sync_while_their_pods_still_serve()
    {
        var (cluster, d) = Build(new PodLifecycle { PreStopSleep = SimTime.FromSeconds(2) });
        var service = new Service("shop", Ipv4Address.Parse("10.96.0.50"), 80, 8080, IpProtocol.Tcp, Shop);
        var proxy = new KubeProxyIptables(cluster);
        proxy.Add(service);
        var slices = new EndpointSliceController(cluster);
        var sync = proxy.FollowEndpointSlices(slices);

        NodeDrain.Drain(cluster, [d], 3);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(100));

        // In the slice: terminating, not ready, still serving (their preStop runs); in the rules: gone after one sync.
        var slice = slices.Endpoints(service);
        Assert.All(slice.Where(e => e.Pod.Node.Index == 3), e => Assert.Equal((false, true, true), (e.Ready, e.Serving, e.Terminating)));
        var programmed = Assert.Single(sync.Syncs);
        Assert.True(programmed.Programmed < SimTime.FromMilliseconds(100));
        Assert.All(SliceEndpoint.Usable(slice), p => Assert.Equal(2, p.Node.Index));
    }

    [Fact]
    public void With_no_schedulable_node_left_a_replacement_stays_Pending()
    {
        var (cluster, d) = Build(new PodLifecycle());
        NodeDrain.Drain(cluster, [d], 3);
        NodeDrain.Drain(cluster, [d], 2);
        Assert.DoesNotContain(d.Pods, p => !p.Terminating); // 4 wanted, nowhere to run
    }
}
