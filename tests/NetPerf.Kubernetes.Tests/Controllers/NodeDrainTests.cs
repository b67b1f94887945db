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

    private const string NoNode = "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";

    [Fact]
    public void With_no_schedulable_node_left_the_replacements_stay_Pending_and_are_scheduled_when_a_node_is_uncordoned()
    {
        var (cluster, d) = Build(new PodLifecycle());
        var failed = new List<(string Pod, string Why)>();
        d.PodPending += (pod, why) => failed.Add((pod, why));
        NodeDrain.Drain(cluster, [d], 3); // shop-1, shop-3 replaced on node 2 by shop-4, shop-5
        NodeDrain.Drain(cluster, [d], 2);

        // The ReplicaSet created the 4 replacements (it counts them: no fifth), the scheduler placed none: Pending,
        // with no node and no address, so in no EndpointSlice. Node 1 is not one of shop's nodes.
        Assert.Equal(["shop-6", "shop-7", "shop-8", "shop-9"], d.PendingPods);
        Assert.Equal(d.PendingPods.Select(p => (p, NoNode)), failed);
        Assert.DoesNotContain(d.Pods, p => !p.Terminating);
        Assert.DoesNotContain(cluster.Pods, p => d.PendingPods.Contains(p.Name));

        // kubectl uncordon node3: the scheduler's retry places every one of them there, under its own name.
        cluster.Uncordon(3);
        Assert.Empty(d.PendingPods);
        var running = d.Pods.Where(p => !p.Terminating).ToList();
        Assert.Equal(["shop-6", "shop-7", "shop-8", "shop-9"], running.Select(p => p.Name));
        Assert.All(running, p => Assert.Equal(3, p.Node.Index));
    }

    [Fact]
    public void A_scale_down_deletes_the_Pending_replicas_first_the_newest_of_them_first()
    {
        var (cluster, d) = Build(new PodLifecycle());
        NodeDrain.Drain(cluster, [d], 3);
        NodeDrain.Drain(cluster, [d], 2);

        d.Scale(2); // ActivePods: unassigned pods rank first for deletion, newer before older
        Assert.Equal(["shop-6", "shop-7"], d.PendingPods);
        d.Scale(1);
        Assert.Equal(["shop-6"], d.PendingPods);
        cluster.Uncordon(2);
        Assert.Equal(["shop-6"], d.Pods.Where(p => !p.Terminating).Select(p => p.Name));
    }

    [Fact]
    public void A_node_tainted_unreachable_takes_no_replacement_and_the_scheduler_says_which_taint()
    {
        var (cluster, d) = Build(new PodLifecycle());
        var failed = new List<string>();
        d.PodPending += (_, why) => failed.Add(why);
        var lifecycle = new NodeLifecycleController(cluster, [d], SimTime.FromMilliseconds(100), SimTime.FromSeconds(300));
        lifecycle.Fail(3);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(200)); // unreachable (tainted) at 100 ms
        NodeDrain.Drain(cluster, [d], 2);

        // node 3's two pods are not Ready but not deleted (their eviction comes 300 s later): the ReplicaSet replaces
        // only node 2's two, and nowhere takes them.
        Assert.Equal(["shop-4", "shop-5"], d.PendingPods);
        Assert.Equal(2, failed.Count);
        Assert.All(failed, why => Assert.Equal("0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", why));
    }
}
