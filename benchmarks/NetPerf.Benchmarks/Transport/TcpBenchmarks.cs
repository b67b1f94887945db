using BenchmarkDotNet.Attributes;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Tests.Stack;
using NetPerf.Workloads;
using NetPerf.Workloads.Tcp;

namespace NetPerf.Benchmarks.Transport;

/// <summary>
/// Simulated TCP packets per wall-clock second between pods on two nodes over flannel VXLAN, with the shipped
/// cost model: a bulk flow (TCP_STREAM: 64 KB super-packets one way, ACKs the other) and request/response
/// (TCP_RR, 8 clients, 100 B requests and 1000 B responses). A packet is one the simulator carries (a GSO
/// super-packet counts once; its segments are on the wire). Each invocation runs the same simulation on until
/// <see cref="Packets"/> more packets have been sent, in steady state.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TransportBenchmarkConfig))]
public class TcpBenchmarks
{
    public const int Packets = 20_000;

    private NodePair _pair = null!;
    private IWorkload _workload = null!;

    [Params("TCP_STREAM", "TCP_RR")]
    public string Test { get; set; } = "TCP_RR";

    [GlobalSetup]
    public void Setup()
    {
        _pair = NodePair.FlannelVxlan(CostTable.Default());
        var endpoints = new Endpoints(_pair.Pods1[0], _pair.Pod2, NodePair.PodIp(2, 1), 5001, ClientCore: 0, ServerCore: 1);
        _workload = Test == "TCP_STREAM"
            ? new TcpStream("stream", endpoints, flowId: 1)
            : new TcpRequestResponse("rr", endpoints, RequestPattern.ClosedLoop, clients: 8, request: 100, response: 1000, flowId: 1);
        _workload.Start();
        _pair.Bed.Sim.RunUntil(SimTime.FromMilliseconds(20)); // connections up, windows open, pools grown
        RunPackets();
    }

    [Benchmark(OperationsPerInvoke = Packets)]
    public long Run() => RunPackets();

    /// <summary>Runs until both ends together have sent <see cref="Packets"/> more TCP packets (to within a few).</summary>
    private long RunPackets()
    {
        var sim = _pair.Bed.Sim;
        long target = Sent() + Packets;
        while (Sent() < target)
        {
            sim.RunUntil(sim.Now + SimTime.FromMicroseconds(200));
        }

        return Sent();
    }

    private long Sent() => _workload switch
    {
        TcpStream s => s.ClientPacketsSent + s.Listener.PacketsSent,
        TcpRequestResponse r => r.ClientPacketsSent + r.Listener.PacketsSent,
        _ => throw new InvalidOperationException("not a TCP workload"),
    };
}
