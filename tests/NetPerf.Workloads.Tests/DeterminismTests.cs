using System.Globalization;
using System.Text;
using MathNet.Numerics.Distributions;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Tests.Stack;
using NetPerf.Workloads.Tcp;
using NetPerf.Workloads.Udp;

namespace NetPerf.Workloads.Tests;

public class DeterminismTests
{
    /// <summary>Four workloads at once over a VXLAN overlay, reported as text down to every CPU stage.</summary>
    private static string Run(ulong seed)
    {
        var pair = NodePair.FlannelVxlan(CostTable.Default(), cores: 2, pods1: 1, seed);
        var server = NodePair.PodIp(2, 1);
        var service = ServiceTime.From(new Exponential(1 / 20.0, pair.Bed.Streams.Create("service")));
        var workloads = new IWorkload[]
        {
            new TcpRequestResponse("rr", new Endpoints(pair.Pods1[0], pair.Pod2, server, 5001), RequestPattern.ClosedLoop, 4, 100, 1000, flowId: 1),
            new TcpRequestResponse("poisson", new Endpoints(pair.Pods1[0], pair.Pod2, server, 5002, ServerCore: 1), RequestPattern.OpenLoop, 4, 200, 2000, service, 20_000, flowId: 2),
            new TcpStream("stream", new Endpoints(pair.Pods1[0], pair.Pod2, server, 5003), flowId: 3),
            new UdpRequestResponse("udp", new Endpoints(pair.Pods1[0], pair.Pod2, server, 5004), 2, 64, 64, flowId: 4),
        };
        var reports = new WorkloadRunner(pair.Bed.Sim, pair.Nodes[1..]).Run(workloads, SimTime.FromMilliseconds(2), SimTime.FromMilliseconds(10));
        var text = new StringBuilder();
        foreach (var r in reports)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.Name} {r.Transactions} {r.GoodputBitsPerSecond:R} {r.P50} {r.P99} {r.P999} {r.MeanInFlight:R} {r.Tcp?.SegmentsSent} {r.Tcp?.RetransmittedSegments}");
            foreach (var h in r.Cpu)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {h.Host} {string.Join(',', h.PicosecondsByStage.Select(kv => $"{kv.Key}={kv.Value}"))} app={h.ApplicationPicoseconds}");
            }
        }

        return text.ToString();
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_reports_and_another_seed_other_arrivals()
    {
        string first = Run(7);
        Assert.Equal(first, Run(7));
        Assert.NotEqual(first, Run(8));
        Assert.Contains("poisson", first);
    }
}
