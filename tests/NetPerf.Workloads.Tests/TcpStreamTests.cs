using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Tests.Stack;
using NetPerf.Network.Topology;
using NetPerf.Transport.Tcp;
using NetPerf.Transport.Tests;
using NetPerf.Workloads.Tcp;
using Xunit.Abstractions;

namespace NetPerf.Workloads.Tests;

public class TcpStreamTests(ITestOutputHelper output)
{
    private const long TenGig = 10_000_000_000;

    /// <summary>Theoretical goodput: payload per segment over the wire bytes of its frame (IP MTU + 38), times the line rate.</summary>
    private static double Theoretical(int payload, int mtu, long bps) => (double)payload / (mtu + 38) * bps;

    private static WorkloadReport RunStream(Endpoints endpoints, IReadOnlyList<Host> hosts, TcpOptions options, SimTime warmUp, SimTime duration)
    {
        var stream = new TcpStream("stream", endpoints, options: options, flowId: 1);
        var report = new WorkloadRunner(endpoints.Client.Host.Sim, hosts).Run([stream], warmUp, duration)[0];
        Assert.Equal(0, report.Tcp!.RetransmittedSegments);
        return report;
    }

    [Fact]
    public void A_bulk_flow_with_a_window_of_a_few_bandwidth_delay_products_reaches_at_least_98_percent_of_theoretical_goodput()
    {
        // 10 Gbit/s, 25 us each way: the bandwidth-delay product is 62.5 KB; the window is four of them.
        var n = new TwoNodes(CostTable.Free(), TenGig, SimTime.FromMicroseconds(25));
        var options = TcpOptions.Linux with { ReceiveWindowBytes = 256 * 1024 };
        var report = RunStream(new Endpoints(n.HostA.Root, n.HostB.Root, TwoNodes.B, 5001), [n.HostA, n.HostB], options,
            SimTime.FromMilliseconds(20), SimTime.FromMilliseconds(50));

        double theory = Theoretical(1448, 1500, TenGig); // 94.1% of line rate
        output.WriteLine($"goodput {report.GoodputBitsPerSecond / 1e9:F4} Gbit/s, theory {theory / 1e9:F4}");
        Assert.Equal(0.9415, theory / TenGig, 4);
        Assert.InRange(report.GoodputBitsPerSecond / theory, 0.98, 1.0001);
    }

    [Fact]
    public void VXLAN_carries_0_9655_of_the_direct_goodput_of_a_long_flow_when_CPU_is_no_bottleneck()
    {
        var options = TcpOptions.Linux with { ReceiveWindowBytes = 512 * 1024 };
        var warmUp = SimTime.FromMilliseconds(10);
        var duration = SimTime.FromMilliseconds(40);

        var vxlan = NodePair.FlannelVxlan(CostTable.Free());
        var overlay = RunStream(new Endpoints(vxlan.Pods1[0], vxlan.Pod2, NodePair.PodIp(2, 1), 5001), vxlan.Nodes[1..], options, warmUp, duration);

        var bgp = NodePair.CalicoBgp(CostTable.Free());
        var direct = RunStream(new Endpoints(bgp.Pods1[0], bgp.Pod2, NodePair.PodIp(2, 1), 5001), bgp.Nodes[1..], options, warmUp, duration);

        double ratio = overlay.GoodputBitsPerSecond / direct.GoodputBitsPerSecond;
        output.WriteLine($"vxlan {overlay.GoodputBitsPerSecond / 1e9:F4} direct {direct.GoodputBitsPerSecond / 1e9:F4} ratio {ratio:F5}");
        Assert.Equal(1398.0 / 1448.0, ratio, 0.003 * 0.9655);
    }
}
