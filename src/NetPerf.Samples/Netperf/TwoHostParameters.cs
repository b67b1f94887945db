using NetPerf.Engine.Time;
using NetPerf.Transport.Tcp;

namespace NetPerf.Samples.Netperf;

/// <summary>One netperf test between two hosts cabled back to back, and how long to run it.</summary>
public sealed record TwoHostParameters
{
    public NetperfTest Test { get; init; } = NetperfTest.TCP_RR;
    public int Clients { get; init; } = 1;
    public int RequestBytes { get; init; } = 1;
    public int ResponseBytes { get; init; } = 1;
    public double LinkGigabits { get; init; } = 10;
    public SimTime Propagation { get; init; } = SimTime.FromMicroseconds(5);
    public int Mtu { get; init; } = 1500;
    public bool Offloads { get; init; } = true;
    public CongestionControlKind CongestionControl { get; init; } = CongestionControlKind.Cubic;

    /// <summary>UDP_STREAM's offered rate.</summary>
    public double UdpGigabits { get; init; } = 1;

    /// <summary>UDP_STREAM's datagram payload: the largest that fits the MTU unfragmented by default.</summary>
    public int? DatagramBytes { get; init; }

    public int Cores { get; init; } = 4;
    public SimTime WarmUp { get; init; } = SimTime.FromMilliseconds(10);
    public SimTime Duration { get; init; } = SimTime.FromMilliseconds(200);
    public ulong Seed { get; init; } = 1;
}
