using NetPerf.Scenarios.Loading;
using NetPerf.Scenarios.Running;

namespace NetPerf.Scenarios.Tests;

public class StreamFactsTests
{
    [Fact]
    public void A_bulk_stream_across_nodes_gets_the_line_rate_less_each_plugins_headers_without_a_retransmission()
    {
        var scenario = ScenarioReader.Parse("""
            name: streams
            duration: 30ms
            warmup: 10ms
            workloads:
              - { name: stream, test: TCP_STREAM, paths: [pod-cross-node] }
            compare:
              cni: [calico-bgp, flannel-vxlan, calico-ipip]
            """, "streams.yaml");
        var outcome = ScenarioRunner.Run(scenario, new RunOptions());
        double Goodput(string cni) => outcome.Results.Single(r => r.Unit.Variant.Cni == cni).Report.GoodputBitsPerSecond;

        Assert.All(outcome.Results, r => Assert.Equal(0, r.Report.Tcp!.RetransmittedSegments));
        // 10 Gbit/s carries MSS/(MTU + 38) of payload: 1448/1538 direct; the tunnels' MSS is 1398 (VXLAN, pod MTU
        // 1450) and 1428 (IP-in-IP, 1480) in the same 1538-byte frames.
        Assert.Equal(10e9 * 1448 / 1538, Goodput("calico-bgp"), tolerance: 10e9 * 0.005);
        Assert.Equal(1398.0 / 1448, Goodput("flannel-vxlan") / Goodput("calico-bgp"), tolerance: 0.005);
        Assert.Equal(1428.0 / 1448, Goodput("calico-ipip") / Goodput("calico-bgp"), tolerance: 0.005);
    }
}
