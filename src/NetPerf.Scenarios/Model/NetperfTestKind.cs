using NetPerf.Network.Packets;
using NetPerf.Transport.Tcp;
using NetPerf.Workloads;
using NetPerf.Workloads.Tcp;
using NetPerf.Workloads.Udp;

namespace NetPerf.Scenarios.Model;

/// <summary>
/// One netperf test a workload may name (netperf's -t): its transport, whether it is a stream or transactions,
/// what a trace follows for it, and how to build it over a path's endpoints. Registered in <see cref="Tests"/>.
/// </summary>
public sealed class NetperfTestKind
{
    /// <summary>The largest UDP payload in one IPv4 datagram (65,535 less the IPv4 and UDP headers).</summary>
    public const int MaxUdpPayload = 65_507;

    private NetperfTestKind(string name, IpProtocol protocol, bool stream, Func<NetperfTestKind>? tracedAs, Func<WorkloadRequest, IWorkload> create)
    {
        Name = name;
        Protocol = protocol;
        IsStream = stream;
        _tracedAs = tracedAs;
        _create = create;
    }

    private readonly Func<NetperfTestKind>? _tracedAs;
    private readonly Func<WorkloadRequest, IWorkload> _create;

    public string Name { get; }

    public IpProtocol Protocol { get; }

    public bool IsUdp => Protocol == IpProtocol.Udp;

    /// <summary>A stream measures bytes per second; the others count transactions.</summary>
    public bool IsStream { get; }

    /// <summary>What a trace follows: the test itself, or for a stream (which has no transactions) its protocol's request/response test.</summary>
    public NetperfTestKind TracedAs => _tracedAs?.Invoke() ?? this;

    public IWorkload Create(WorkloadRequest r) => _create(r);

    public override string ToString() => Name;

    public static readonly NetperfTestKind TcpRr = new("TCP_RR", IpProtocol.Tcp, stream: false, null,
        r => new TcpRequestResponse(r.Name, r.Endpoints, r.RequestsPerSecond > 0 ? RequestPattern.OpenLoop : RequestPattern.ClosedLoop, r.Clients, r.RequestBytes, r.ResponseBytes, r.Service,
            r.RequestsPerSecond, r.Tcp, r.FlowId, r.Arrivals, r.Timeout));

    public static readonly NetperfTestKind TcpCrr = new("TCP_CRR", IpProtocol.Tcp, stream: false, null,
        r => new TcpRequestResponse(r.Name, r.Endpoints, RequestPattern.ConnectionPerRequest, r.Clients, r.RequestBytes, r.ResponseBytes, r.Service, options: r.Tcp, flowId: r.FlowId));

    public static readonly NetperfTestKind TcpStream = new("TCP_STREAM", IpProtocol.Tcp, stream: true, () => TcpRr,
        r => new TcpStream(r.Name, r.Endpoints, r.Clients, options: r.Tcp, flowId: r.FlowId));

    public static readonly NetperfTestKind UdpRr = new("UDP_RR", IpProtocol.Udp, stream: false, null,
        r => new UdpRequestResponse(r.Name, r.Endpoints, r.Clients, r.RequestBytes, r.ResponseBytes, r.Service, r.Timeout, r.FlowId));

    /// <summary>
    /// Not netperf's: getaddrinfo() of the measured Service's short name in a loop from the client pod, each lookup a
    /// new process (its own resolver state and socket), through kube-dns (<see cref="Running.DnsLookups"/>). A
    /// transaction is a lookup; its latency what getaddrinfo took.
    /// </summary>
    public static readonly NetperfTestKind DnsLookup = new("DNS_LOOKUP", IpProtocol.Udp, stream: false, () => UdpRr,
        _ => throw new InvalidOperationException("DNS_LOOKUP is built by PathRun from the cluster's resolver, not over endpoints."));

    public static readonly NetperfTestKind UdpStream = new("UDP_STREAM", IpProtocol.Udp, stream: true, () => UdpRr,
        r => new UdpStream(r.Name, r.Endpoints, Math.Min(r.RequestBytes, MaxUdpPayload), r.UdpGigabits * 1e9, r.Clients, flowId: r.FlowId));
}

/// <summary>What building a test's workload over a path takes.</summary>
public sealed record WorkloadRequest(string Name, Endpoints Endpoints, int Clients, int RequestBytes, int ResponseBytes, ServiceTime Service, double UdpGigabits, int FlowId)
{
    /// <summary>The nodes' TCP (cluster.tcpPacing).</summary>
    public TcpOptions Tcp { get; init; } = TcpOptions.Linux;

    /// <summary>TCP_RR's open-loop rate (0: closed loop), its arrivals and the client's timeout (UDP_RR's too).</summary>
    public double RequestsPerSecond { get; init; }
    public Arrivals Arrivals { get; init; } = Arrivals.Poisson;
    public Engine.Time.SimTime? Timeout { get; init; }
}
