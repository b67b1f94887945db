using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Model;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests.Services;

/// <summary>
/// UDP through Services, end to end through the scenario runner: a UDP workload to the measured Service by name
/// (cluster-ip: CoreDNS, then kube-proxy's DNAT), to its NodePort, and to its headless twin measures on every
/// plugin and kube-proxy mode, as a TCP one does. Before the measured Service carried the workload's protocol,
/// its one port was TCP, kube-proxy had no rule for a datagram to it, and the datagram died at the ClusterIP
/// (NoSocket): the run exited 0 having measured nothing.
/// </summary>
public class UdpServiceTests
{
    public static TheoryData<string> Plugins() => [.. Kubernetes.Cni.CniPlugin.Names];

    private static string Scenario(string cni) => $$"""
        name: udp-services
        duration: 2ms
        warmup: 1ms
        cluster: { nodes: 2, cni: {{cni}} }
        workloads:
          - { name: udp, test: UDP_RR, paths: [pod-cross-node, cluster-ip, node-port, headless] }
          - { name: tcp, test: TCP_RR, paths: [pod-cross-node, cluster-ip, node-port, headless] }
          - { name: udp-stream, test: UDP_STREAM, request: 1024, paths: [cluster-ip, node-port] }
        compare:
          kubeProxy: [iptables, ipvs, nftables]
        """;

    [Theory]
    [MemberData(nameof(Plugins))]
    public void A_UDP_workload_to_a_Service_by_name_its_NodePort_and_its_headless_name_measures_in_every_kube_proxy_mode_as_TCP_does(string cni)
    {
        var scenario = ScenarioReader.Parse(Scenario(cni), "udp-services.yaml");
        var outcome = ScenarioRunner.Run(scenario, new RunOptions());
        Assert.Equal(3 * 10, outcome.Results.Count);
        foreach (var r in outcome.Results)
        {
            if (r.Unit.Workload.Test == NetperfTestKind.UdpStream)
            {
                Assert.True(r.BytesDelivered > 0, $"{r.Unit.Label}: no datagram delivered");
                continue;
            }

            Assert.True(r.Report.Transactions > 0, $"{r.Unit.Label}: no transaction completed");
        }

        foreach (string mode in (string[])["iptables", "ipvs", "nftables"])
        {
            UnitResult Of(string workload, string path) =>
                outcome.Results.Single(r => r.Unit.Variant.KubeProxy.Name == mode && r.Unit.Workload.Name == workload && r.Unit.Path.Name() == path);

            // By name: the client asked CoreDNS for the Service's address first, and got the ClusterIP.
            var byName = Of("udp", "cluster-ip");
            Assert.True(byName.Lookup is { Found: true }, $"{byName.Unit.Label}: no DNS answer");
            Assert.Equal(outcome.Scenario.Cluster.ServiceCidr[ClusterLayout.ServiceOffset], byName.Lookup!.Addresses[0]);

            foreach (string w in (string[])["udp", "tcp"])
            {
                // The Service's translation is work on top of the same pod-to-pod crossing, never less: DNAT on the
                // first datagram and a conntrack hit on every later one (the iptables and nftables modes) or IPVS's
                // connection table (ipvs); a NodePort adds the outside hop and the masquerade as well.
                var direct = Of(w, "pod-cross-node").Report.P50;
                Assert.True(Of(w, "cluster-ip").Report.P50 >= direct, $"{mode} {w}: cluster-ip faster than pod to pod");
                Assert.True(Of(w, "node-port").Report.P50 > Of(w, "cluster-ip").Report.P50, $"{mode} {w}: node-port not slower than cluster-ip");

                // Headless: DNS answers with the pod's own address, after which it is pod to pod exactly.
                Assert.Equal(direct, Of(w, "headless").Report.P50);
            }
        }
    }
}
