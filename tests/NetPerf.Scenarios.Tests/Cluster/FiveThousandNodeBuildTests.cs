using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Tests.Estimation;
using NetPerf.Scenarios.Tracing;

namespace NetPerf.Scenarios.Tests.Cluster;

/// <summary>
/// Kubernetes' 5,000 nodes (its published scalability threshold) on 20 racks of a /19 behind 4 spines, built
/// whole: every node's kernel holds a route to each of the 4,999 other nodes' pod ranges (25 M in all), which
/// NetPerf holds once for the cluster and builds per node on first use. A measured pod-to-pod transaction across
/// it crosses exactly what it crosses on a 40-node cluster of the same fabric: node 1 (rack 1) to node 2 (rack 2)
/// are the same two nodes, at the same addresses, behind the same ToRs and the same spine pick, and nothing on the
/// path depends on how many other nodes there are. Not timed.
/// </summary>
public sealed class FiveThousandNodeBuildTests
{
    private static PathTrace Trace(int nodes, string cni)
    {
        string reflectors = cni == "calico-bgp" ? ", calico: { routeReflectors: 2 }" : ""; // a 12.5 M-session mesh is refused
        var s = ScenarioReader.Parse($$"""
            name: racks
            cluster: { nodes: {{nodes}}, racks: 20, spines: 4, cni: {{cni}}, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/11{{reflectors}} }
            workloads: [{ name: w, test: TCP_RR, paths: [pod-cross-node] }]
            """, "racks.yaml", maxMemory: 8L << 30);
        return PathTrace.Run(s, s.Variants()[0], s.Workloads[0], CommunicationPath.PodCrossNode);
    }

    [Theory]
    [InlineData("flannel-vxlan")]
    [InlineData("calico-bgp")]
    public void A_five_thousand_node_cluster_builds_and_a_cross_rack_transaction_takes_the_forty_node_clusters_hops(string cni)
    {
        var small = Trace(40, cni);
        var large = Trace(5_000, cni);

        Assert.NotEmpty(small.Hops);
        Assert.Empty(large.Drops);
        Assert.Equal(small.Hops.Select(Line), large.Hops.Select(Line));
        Assert.Equal(small.Fabric.Select(c => string.Join(" > ", c.Boxes)), large.Fabric.Select(c => string.Join(" > ", c.Boxes)));
        Assert.Equal(small.Latency, large.Latency);
    }

    /// <summary>
    /// Kubernetes' threshold cluster in IPVS mode: 5,000 nodes on the same fabric, 150,000 pods (600 deployments of
    /// 250), 10,002 Services of 250 endpoints. Every node's kernel holds 10,002 virtual services and their addresses on
    /// kube-ipvs0 (50 M in all, estimated at 16.4 GiB when each node held its own); NetPerf holds them once and makes
    /// a node's own part on first use, so it builds, and a measured transaction through the web Service's ClusterIP
    /// crosses exactly what it crosses on 40 nodes without the other Services: IPVS finds a virtual service by hash
    /// (ip_vs_service_find, net/netfilter/ipvs/ip_vs_ctl.c), whatever the number of services.
    /// </summary>
    [Fact]
    public void Kubernetes_threshold_cluster_builds_in_ipvs_mode_and_a_cluster_ip_transaction_takes_the_forty_node_clusters_hops()
    {
        const string fabric = "racks: 20, spines: 4, cni: calico-vxlan, kubeProxy: ipvs, nodeSubnet: 192.168.0.0/19, clusterCidr: 10.0.0.0/10";
        var small = ClusterIpTrace(ScenarioReader.Parse($$"""
            name: racks
            cluster: { nodes: 40, {{fabric}} }
            workloads: [{ name: w, test: TCP_RR, paths: [cluster-ip] }]
            """, "racks.yaml"));
        var large = ClusterIpTrace(ScenarioReader.Parse(ScaleEstimateTests.ThresholdYaml($"{{ nodes: 5000, {fabric} }}"), "threshold.yaml", maxMemory: 4L << 30));

        Assert.Contains(large.Hops, h => h.Stage == Network.Cpu.KernelStage.IpvsLookup); // the client node's IPVS found the connection
        Assert.Empty(large.Drops);
        Assert.Equal(small.Hops.Select(Line), large.Hops.Select(Line));
        Assert.Equal(small.Fabric.Select(c => string.Join(" > ", c.Boxes)), large.Fabric.Select(c => string.Join(" > ", c.Boxes)));
        Assert.Equal(small.Latency, large.Latency);
    }

    private static PathTrace ClusterIpTrace(Scenario s) => PathTrace.Run(s, s.Variants()[0], s.Workloads[0], CommunicationPath.ClusterIp);

    private static string Line(TraceHop h) => $"{h.Step} {h.AtMicroseconds} {h.Packet} {h.Where} {h.Stage} core {h.Core} {h.CostNanoseconds} {h.Hook} {h.Flow}";
}
