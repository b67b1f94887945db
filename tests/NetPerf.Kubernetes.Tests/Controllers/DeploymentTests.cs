using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Controllers;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;

namespace NetPerf.Kubernetes.Tests.Controllers;

/// <summary>A Deployment's rolling update as the deployment controller and the kubelet carry it out.</summary>
public class DeploymentTests
{
    private static readonly Dictionary<string, string> Shop = new() { ["app"] = "shop" };

    private static (KubernetesCluster Cluster, Deployment Deployment) Build(int replicas, RollingUpdate strategy, PodLifecycle lifecycle)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("calico-bgp"));
        return (cluster, new Deployment(cluster, "shop", replicas, Shop, [1, 2], strategy, lifecycle));
    }

    private static string[] Alive(Deployment d) => [.. d.Pods.Where(p => !p.Terminating).Select(p => p.Name + (p.Ready ? "" : "?"))];

    [Fact]
    public void With_maxSurge_1_and_maxUnavailable_0_a_roll_adds_one_pod_and_takes_an_old_one_only_once_the_new_one_is_Ready()
    {
        var (cluster, d) = Build(2, new RollingUpdate(1, 0), new PodLifecycle { ReadinessDelay = SimTime.FromMilliseconds(100) });
        var sim = cluster.Bed.Sim;
        d.Roll();
        Assert.Equal(["shop-0", "shop-1", "shop-2?"], Alive(d)); // 3 = replicas + maxSurge; 2 Ready = replicas - maxUnavailable

        sim.RunUntil(SimTime.FromMilliseconds(100));
        Assert.Equal(["shop-1", "shop-2", "shop-3?"], Alive(d)); // shop-0 terminating, its successor started
        Assert.True(cluster.Pods.Single(p => p.Name == "shop-0").Terminating);

        sim.RunUntil(SimTime.FromMilliseconds(200));
        Assert.Equal(["shop-2", "shop-3"], Alive(d));

        // No preStop hook: SIGTERM at once, and the pod object goes once the kubelet notices the exit (1 s):
        // shop-0 (terminating since 100 ms) at 1.1 s, shop-1 (since 200 ms) at 1.2 s.
        sim.RunUntil(SimTime.FromMilliseconds(1150));
        Assert.Equal(["shop-1", "shop-2", "shop-3"], d.Pods.Select(p => p.Name));
        sim.RunUntil(SimTime.FromMilliseconds(1250));
        Assert.Equal(["shop-2", "shop-3"], d.Pods.Select(p => p.Name));
    }

    [Fact]
    public void With_maxSurge_0_and_maxUnavailable_1_a_roll_first_takes_an_old_pod_down_then_replaces_it()
    {
        var (_, d) = Build(3, new RollingUpdate(0, 1), new PodLifecycle { ReadinessDelay = SimTime.FromMilliseconds(100) });
        d.Roll();
        Assert.Equal(["shop-1", "shop-2", "shop-3?"], Alive(d)); // never more than 3 pods, at least 2 Ready
    }

    [Fact]
    public void SIGTERM_waits_for_the_preStop_sleep_and_never_outlasts_the_grace_period()
    {
        var stopped = new List<(string, SimTime)>();
        var (cluster, d) = Build(2, new RollingUpdate(1, 0), new PodLifecycle { PreStopSleep = SimTime.FromSeconds(5), TerminationGracePeriod = SimTime.FromSeconds(2) });
        d.ContainersStopping += p => stopped.Add((p.Name, cluster.Bed.Sim.Now));
        d.Delete(d.Pods[0]);
        cluster.Bed.Sim.RunUntil(SimTime.FromSeconds(3));
        Assert.Equal([("shop-0", SimTime.FromSeconds(2))], stopped);
        Assert.DoesNotContain(d.Pods, p => p.Name == "shop-0");
        Assert.Equal(["shop-1", "shop-2"], Alive(d)); // the ReplicaSet replaced it at once
    }

    [Fact]
    public void A_terminating_pod_is_in_its_slice_as_serving_and_terminating_and_kube_proxy_uses_it_only_when_no_pod_is_ready()
    {
        var (cluster, d) = Build(2, new RollingUpdate(1, 0), new PodLifecycle { PreStopSleep = SimTime.FromSeconds(5) });
        var service = new Service("shop", Ipv4Address.Parse("10.96.0.50"), 80, 8080, IpProtocol.Tcp, Shop);
        var slices = new EndpointSliceController(cluster);
        slices.Watch(service);
        d.Scale(0); // both pods terminate, neither is replaced
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(1));

        var slice = slices.Endpoints(service);
        Assert.All(slice, e => Assert.Equal((false, true, true), (e.Ready, e.Serving, e.Terminating)));
        Assert.Equal(2, SliceEndpoint.Usable(slice).Count); // KEP-1669: nothing ready, so the serving terminating ones

        var ready = cluster.AddPod("shop-x", 1, Shop);
        cluster.Bed.Sim.RunUntil(SimTime.FromMilliseconds(2));
        Assert.Equal([ready], SliceEndpoint.Usable(slices.Endpoints(service)));
    }
}
