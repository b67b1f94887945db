namespace NetPerf.Reporting;

/// <summary>
/// One row of timeseries.csv: what one workload did in one interval of one replication's measured window, on one
/// path in one variant. Drops are every host's, by kernel reason (all traffic on the hosts, as they count it).
/// </summary>
public sealed record TimeseriesRow
{
    public required string Variant { get; init; }
    public required string Path { get; init; }
    public required string Workload { get; init; }
    public required int Replication { get; init; }

    /// <summary>The interval's start, in milliseconds after the warm-up.</summary>
    public required double StartMilliseconds { get; init; }
    public required double IntervalMilliseconds { get; init; }
    public required long Transactions { get; init; }
    public required double ThroughputPerSecond { get; init; }

    /// <summary>Payload delivered to the receiving application in the interval, as a rate (a stream's goodput; every workload's bytes).</summary>
    public double GoodputMbps { get; init; }

    /// <summary>Empty (NaN) when no request completed in the interval.</summary>
    public required double P50Microseconds { get; init; }
    public required double P99Microseconds { get; init; }

    /// <summary>Requests given up on, whatever the cause.</summary>
    public required long Lost { get; init; }

    /// <summary>Connections refused in the interval: the SYN answered with a RST or an ICMP port unreachable (ECONNREFUSED).</summary>
    public long Refused { get; init; }

    /// <summary>Connections reset past their handshake (ECONNRESET).</summary>
    public long Reset { get; init; }

    /// <summary>Connections given up on after every retransmission went unanswered (ETIMEDOUT).</summary>
    public long TimedOut { get; init; }

    /// <summary>Name lookups answered only after the resolver waited out its timeout (the DNS 5 s delay).</summary>
    public long DnsDelayed { get; init; }

    /// <summary>Name lookups that failed, every try unanswered (getaddrinfo's EAI_AGAIN): a DNS failure.</summary>
    public long DnsFailed { get; init; }

    /// <summary>CPU busy per host in the interval, kernel and applications, all traffic (picoseconds), in the run's host order.</summary>
    public IReadOnlyList<(string Host, long Picoseconds)> Cpu { get; init; } = [];

    /// <summary>Drops by reason name (DropReason), every reason in the enum's order, zeros included.</summary>
    public required IReadOnlyList<(string Reason, long Count)> Drops { get; init; }
}
