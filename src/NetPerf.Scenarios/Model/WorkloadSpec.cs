namespace NetPerf.Scenarios.Model;

/// <summary>The netperf tests a scenario runs.</summary>
public static class Tests
{
    public static readonly IReadOnlyList<string> Names = ["TCP_RR", "TCP_CRR", "TCP_STREAM", "UDP_RR", "UDP_STREAM"];

    /// <summary>The transport a test runs over: the protocol of the Service port it is measured through.</summary>
    public static Network.Packets.IpProtocol Protocol(string test) =>
        test.StartsWith("UDP", StringComparison.Ordinal) ? Network.Packets.IpProtocol.Udp : Network.Packets.IpProtocol.Tcp;
}

/// <summary>
/// One netperf-style test and the paths it is run over: each path is a run of its own on a freshly built
/// cluster, so paths never compete for the same cores.
/// </summary>
public sealed record WorkloadSpec(string Name, string Test, IReadOnlyList<CommunicationPath> Paths)
{
    public int RequestBytes { get; init; } = 64;
    public int ResponseBytes { get; init; } = 64;

    /// <summary>Concurrent connections (RR, CRR, STREAM) or sockets.</summary>
    public int Clients { get; init; } = 1;

    /// <summary>The server's work per request on its core (the application's time, not the kernel's).</summary>
    public Engine.Time.SimTime ServiceTime { get; init; }

    /// <summary>fixed, or exponential with <see cref="ServiceTime"/> as its mean.</summary>
    public string ServiceDistribution { get; init; } = "fixed";

    /// <summary>TCP or UDP, as the test says.</summary>
    public Network.Packets.IpProtocol Protocol => Tests.Protocol(Test);

    /// <summary>UDP_STREAM's offered rate.</summary>
    public double UdpGigabits { get; init; } = 1;
}
