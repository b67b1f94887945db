using BenchmarkDotNet.Attributes;
using NetPerf.Engine.Time;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;
using NetPerf.Network.Tests.Stack;

namespace NetPerf.Benchmarks.Network;

/// <summary>
/// Packet forwarding through the two-node VXLAN path (pod, veth, cni0, flannel.1, eth0, wire, eth0, UDP,
/// decapsulation, flannel.1, cni0, veth, pod): every datagram is sent and carried to the receiving socket before
/// the next, so the time measured is the simulator's cost per packet with no queueing. A packet-hop is one
/// device receiving the packet; this path has <see cref="HopsPerPacket"/> of them, each a few kernel stages.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ForwardingBenchmarkConfig))]
public class VxlanForwardingBenchmarks
{
    public const int Packets = 10_000;

    /// <summary>veth (host end), cni0, eth0 (far node), flannel.1, eth0 (far pod): checked in setup.</summary>
    public const int HopsPerPacket = 5;

    private NodePair _pair = null!;
    private UdpSocket _client = null!;
    private HopCounter _server = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Costs do not change the work done per packet, only simulated time: 100 ns per stage.
        _pair = NodePair.FlannelVxlan(CostTable.Uniform(StageCost.Nanoseconds(100)));
        _server = new HopCounter();
        _ = new UdpSocket(_pair.Pod2, NodePair.PodIp(2, 1), 5201) { Receiver = _server };
        _client = new UdpSocket(_pair.Pods1[0], NodePair.PodIp(1, 1), 40000);
        SendAll(); // warm caches, pools and the FDB
        if (_server.Packets != Packets || _server.Hops != (long)Packets * HopsPerPacket)
        {
            throw new InvalidOperationException(
                $"the path delivered {_server.Packets} of {Packets} packets with {_server.Hops} hops; expected {HopsPerPacket} hops each.");
        }
    }

    [Benchmark(OperationsPerInvoke = Packets * HopsPerPacket)]
    public long SendAcrossVxlan()
    {
        SendAll();
        return _server.Packets;
    }

    private void SendAll()
    {
        var sim = _pair.Bed.Sim;
        var server = NodePair.PodIp(2, 1);
        for (int i = 0; i < Packets; i++)
        {
            _client.Send(server, 5201, 1000);
            sim.Run();
        }
    }

    private sealed class HopCounter : IDatagramReceiver
    {
        public long Packets { get; private set; }
        public long Hops { get; private set; }

        public void OnDatagram(UdpSocket socket, in Packet datagram, SimTime now)
        {
            Packets++;
            Hops += datagram.Hops;
        }
    }
}
