using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>
/// A UDP client that keeps sending to a Service after its endpoint is deleted: its conntrack entry, refreshed by
/// every datagram, keeps the old DNAT for ever; only kube-proxy's conntrack clean-up after the sync moves it.
/// </summary>
public class StaleUdpConntrackTests
{
    private static readonly Dictionary<string, string> Dns = new() { ["app"] = "dns" };
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("10.96.0.10");

    /// <summary>Sends one datagram every 100 ms from one socket (one port: one flow), as a client that never rebinds.</summary>
    private sealed class Ticker(UdpSocket socket, Simulator sim) : IEventHandler
    {
        public void OnEvent(int kind, long arg)
        {
            socket.Send(Vip, 53, 64);
            sim.ScheduleAfter(SimTime.FromMilliseconds(100), this);
        }
    }

    private static (long OldAfter, long NewAfter, KubeProxySync Sync) Run(bool clear)
    {
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2 }, CniPlugin.ByName("calico-bgp"));
        var client = cluster.AddPod("client", 1);
        var a = cluster.AddPod("dns-a", 2, Dns);
        var b = cluster.AddPod("dns-b", 2, Dns);
        var servers = new Dictionary<Pod, UdpSocket> { [a] = new(a.Namespace, a.Ip, 53), [b] = new(b.Namespace, b.Ip, 53) };
        var proxy = new KubeProxyIptables(cluster);
        var service = new Service("dns", Vip, 53, 53, IpProtocol.Udp, Dns);
        proxy.Add(service);
        var sync = new KubeProxySync(proxy, new EndpointSliceController(cluster), KubeProxySync.DefaultMinSyncPeriod) { ClearsStaleUdpConntrack = clear };
        var sim = cluster.Bed.Sim;
        var socket = new UdpSocket(client.Namespace, client.Ip, 40000);
        new Ticker(socket, sim).OnEvent(0, 0);
        sim.RunUntil(SimTime.FromSeconds(1));

        // The flow went to one endpoint (DNAT chosen once, with its first datagram): delete that pod. Its process is
        // gone, but its address still answers in this model (the pod's network is not torn down), so what reaches it
        // is counted on its socket.
        var chosen = servers.Single(s => s.Value.Received > 0).Key;
        var other = chosen == a ? b : a;
        Assert.Equal(0, servers[other].Received);
        cluster.RemovePod(chosen.Name);
        sim.RunUntil(SimTime.FromSeconds(1.5)); // the slice and the sync follow at once (idle kube-proxy)
        long oldBefore = servers[chosen].Received, newBefore = servers[other].Received;

        sim.RunUntil(SimTime.FromSeconds(61)); // two UDP timeouts (30 s) and more
        return (servers[chosen].Received - oldBefore, servers[other].Received - newBefore, sync);
    }

    [Fact]
    public void Without_kube_proxys_conntrack_clean_up_the_flow_stays_on_the_deleted_endpoint_for_ever()
    {
        var (old, moved, sync) = Run(clear: false);
        Assert.Single(sync.Syncs); // the rules dropped the pod ...
        Assert.Equal(595, old);    // ... but every datagram of the next 59.5 s still went to it: each refreshed the entry
        Assert.Equal(0, moved);
    }

    [Fact]
    public void With_it_the_flow_moves_to_the_remaining_endpoint_once_the_sync_is_programmed()
    {
        var (old, moved, sync) = Run(clear: true);
        Assert.Equal(1, Assert.Single(sync.Syncs).ConntrackCleared); // the client node's entry for the flow
        Assert.Equal(0, old);
        Assert.Equal(595, moved);
    }
}
