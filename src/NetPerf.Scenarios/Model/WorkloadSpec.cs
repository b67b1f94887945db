namespace NetPerf.Scenarios.Model;

/// <summary>The netperf tests a scenario runs, in the order scenarios and the schema list them.</summary>
public static class Tests
{
    public static readonly IReadOnlyList<NetperfTestKind> All =
        [NetperfTestKind.TcpRr, NetperfTestKind.TcpCrr, NetperfTestKind.TcpStream, NetperfTestKind.UdpRr, NetperfTestKind.UdpStream, NetperfTestKind.DnsLookup];

    public static readonly IReadOnlyList<string> Names = [.. All.Select(t => t.Name)];

    public static NetperfTestKind? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>The test named <paramref name="name"/>; for names already validated.</summary>
    public static NetperfTestKind Get(string name) => Find(name)
        ?? throw new ArgumentException($"unknown test '{name}'; tests are: {string.Join(", ", Names)}", nameof(name));
}

/// <summary>
/// One netperf-style test and the paths it is run over: each path is a run of its own on a freshly built
/// cluster, so paths never compete for the same cores.
/// </summary>
public sealed record WorkloadSpec(string Name, NetperfTestKind Test, IReadOnlyList<CommunicationPath> Paths)
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
    public Network.Packets.IpProtocol Protocol => Test.Protocol;

    /// <summary>A workload between objects (from/to), resolved against the manifests; null: NetPerf's own pods over <see cref="Paths"/>.</summary>
    public WorkloadRoute? Route { get; init; }

    /// <summary>
    /// A scenario Service the workload's cluster-ip path goes to instead of the measured one: every pod it selects
    /// runs the workload's server, and pods a timeline adds run one from their start.
    /// </summary>
    public string? Service { get; init; }

    /// <summary>UDP_STREAM's offered rate.</summary>
    public double UdpGigabits { get; init; } = 1;

    /// <summary>TCP_RR in open loop: requests per second offered over <see cref="Clients"/> connections whatever the answers; 0: closed loop (netperf's, one outstanding request per connection).</summary>
    public double RequestsPerSecond { get; init; }

    /// <summary>How the open-loop requests arrive.</summary>
    public Workloads.Arrivals Arrivals { get; init; } = Workloads.Arrivals.Poisson;

    /// <summary>How long an open-loop client waits for a response before giving up (counted lost); null: for ever. UDP_RR's: before it sends its next request; null: 1 s.</summary>
    public Engine.Time.SimTime? Timeout { get; init; }

    /// <summary>Whether requests are offered at a rate (open loop) rather than one after another's answer.</summary>
    public bool IsOpenLoop => RequestsPerSecond > 0;
}
