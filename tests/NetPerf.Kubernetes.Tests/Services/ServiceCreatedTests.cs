using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Kubernetes.Cni;
using NetPerf.Kubernetes.Services;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;

namespace NetPerf.Kubernetes.Tests.Services;

/// <summary>
/// A Service created while kube-proxy runs (iptables mode): the EndpointSlice controller writes its slice at once,
/// and kube-proxy programs it at its next sync. proxier.go writes KUBE-SERVICES from its serviceMap, which holds a
/// Service only once a sync has read it, so before the sync's restore returns no rule matches the ClusterIP (not
/// even the "has no endpoints" REJECT): a connection opened then is not DNATed and never reaches the pod, and its
/// retransmitted SYNs keep the conntrack entry's null binding after the sync (nf_nat_core.c); a connection
/// opened after the sync is DNATed to the pod.
/// </summary>
public class ServiceCreatedTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };
    private static readonly Ipv4Address WebIp = Ipv4Address.Parse("10.96.0.20");

    [Fact]
    public void A_created_Service_has_its_slice_at_once_and_its_rules_only_when_the_sync_returns()
    {
        var costs = Network.Cpu.CostTable.Default();
        costs[Network.Cpu.KernelStage.TcpConnection] = default; // connections opened at one instant leave at once
        var cluster = new KubernetesCluster(new ClusterOptions { Nodes = 2, Costs = costs }, CniPlugin.ByName("calico-bgp"));
        var client = cluster.AddPod("client", 1);
        var pod = cluster.AddPod("web-1", 2, Web);
        var served = new TcpCounter();
        _ = new TcpListener(pod.Namespace, 8080, served);
        var proxy = new KubeProxyIptables(cluster);
        var slices = new EndpointSliceController(cluster);
        var sync = proxy.FollowEndpointSlices(slices);
        var web = new Service("web", WebIp, 8080, 8080, IpProtocol.Tcp, Web);
        var sim = cluster.Bed.Sim;
        sim.RunUntil(SimTime.FromSeconds(0.5));

        sync.Create(web);
        Assert.Equal(["web-1"], slices.Endpoints(web).Select(e => e.Pod.Name)); // the slice, at once
        Assert.DoesNotContain(web, proxy.Services);
        sim.RunUntil(SimTime.FromSeconds(0.5) + SimTime.FromNanoseconds(1)); // the sync has started (the bucket is full)
        Assert.Empty(sync.Syncs);
        _ = TcpSocket.Connect(client.Namespace, WebIp, 8080, new TcpWriter(100));
        sim.RunUntil(SimTime.FromSeconds(0.6));

        // 12 lines: 4 chain headers, KUBE-SERVICES' KUBE-NODEPORTS jump and the new portal, KUBE-SVC (header,
        // masquerade, one pick), KUBE-SEP (header, mark, DNAT).
        var done = Assert.Single(sync.Syncs);
        Assert.Equal((SimTime.FromSeconds(0.5), 12), (done.Started, done.Lines));
        Assert.Contains(web, proxy.Services);
        Assert.Equal(0, served.Connections);

        _ = TcpSocket.Connect(client.Namespace, WebIp, 8080, new TcpWriter(100));
        sim.RunUntil(SimTime.FromSeconds(2.6)); // past the early connection's first retransmission (1 s after its SYN, at 1.5 s)
        Assert.Equal(1, served.Connections); // the late one only: the early one's resent SYN keeps its un-NATed entry
    }
}
