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
        double Goodput(string cni) => outcome.Results.Single(r => r.Unit.Variant.Cni.Name == cni).Report.GoodputBitsPerSecond;

        Assert.All(outcome.Results, r => Assert.Equal(0, r.Report.Tcp!.RetransmittedSegments));
        // 10 Gbit/s carries MSS/(MTU + 38) of payload: 1448/1538 direct; the tunnels' MSS is 1398 (VXLAN, pod MTU
        // 1450) and 1428 (IP-in-IP, 1480) in the same 1538-byte frames.
        Assert.Equal(10e9 * 1448 / 1538, Goodput("calico-bgp"), tolerance: 10e9 * 0.005);
        Assert.Equal(1398.0 / 1448, Goodput("flannel-vxlan") / Goodput("calico-bgp"), tolerance: 0.005);
        Assert.Equal(1428.0 / 1448, Goodput("calico-ipip") / Goodput("calico-bgp"), tolerance: 0.005);
    }
}

public class UdpStreamLossTests
{
    [Fact]
    public void A_UDP_stream_offered_five_times_the_line_rate_loses_what_the_line_cannot_carry_and_says_so()
    {
        var scenario = ScenarioReader.Parse("""
            name: udp-overload
            duration: 20ms
            warmup: 5ms
            cluster: { nic: { gbps: 1 } }
            workloads:
              - { name: flood, test: UDP_STREAM, request: 1400, rateGbps: 5, paths: [pod-cross-node] }
            compare:
              cni: [calico-bgp]
            """, "udp-overload.yaml");
        var results = ResultSetBuilder.Build(ScenarioRunner.Run(scenario, new RunOptions()));
        var lost = results.Summary.Single(r => r.Metric == "lost");
        var goodput = results.Summary.Single(r => r.Metric == "goodput");

        Assert.Equal("datagrams", lost.Unit);
        // 1 Gbit/s carries 1400 of every 1400 + 28 + 38 bytes on the wire. The sender, limited by its own core
        // to about 2 Gbit/s, still sends more than the line takes: the excess is lost, and reported as such.
        double delivered = 1e9 * 1400 / 1466 / 8 / 1400 * 0.020; // datagrams the line carries in the window
        Assert.Equal(1e9 * 1400 / 1466 / 1e6, goodput.Mean, tolerance: 1e9 * 1400 / 1466 / 1e6 * 0.02);
        Assert.True(lost.Mean > 0.5 * delivered, $"{lost.Mean} datagrams lost against {delivered:F0} delivered");
    }
}
