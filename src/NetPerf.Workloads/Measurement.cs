using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Statistics;
using NetPerf.Engine.Time;

namespace NetPerf.Workloads;

/// <summary>
/// What a workload measures after its warm-up: per-request latency (HdrHistogram percentiles, and batch means
/// for the mean's confidence interval), transactions, bytes delivered to applications, connections, requests
/// lost, and the time-weighted number of requests in flight (for Little's law).
/// </summary>
public sealed class Measurement
{
    private readonly Simulator _sim;

    public Measurement(Simulator sim)
    {
        _sim = sim;
        InFlight = new TimeWeightedAverage(sim.Now);
    }

    private readonly long[] _failures = new long[Enum.GetValues<Transport.Tcp.TcpError>().Length];

    /// <summary>Requests that complete before this are warm-up: not recorded.</summary>
    public SimTime WarmUpEnd { get; private set; }

    public LatencyHistogram Latency { get; } = new();

    /// <summary>Latencies in microseconds, in completion order, batched for a confidence interval of the mean.</summary>
    public BatchMeans LatencyMicroseconds { get; } = new();

    public long Transactions { get; private set; }

    /// <summary>Payload bytes handed to applications (both directions) since the warm-up.</summary>
    public long BytesDelivered { get; private set; }

    public long ConnectionsCompleted { get; private set; }

    /// <summary>Requests the client gave up on: no answer within its timeout (a UDP datagram lost, or an answer late).</summary>
    public long Lost { get; private set; }

    /// <summary>
    /// Of <see cref="Lost"/>, those whose answer did arrive, after the client's timeout: the server and the network
    /// did all of their work, the client had given up (so not measured, not goodput).
    /// </summary>
    public long Late { get; private set; }

    /// <summary>Requests sent and not yet answered, over time since the warm-up.</summary>
    public TimeWeightedAverage InFlight { get; }

    /// <summary>Every measured latency in completion order, when <see cref="KeepSamples"/> was called (for raw-sample output).</summary>
    public List<SimTime>? Samples { get; private set; }

    public void KeepSamples() => Samples ??= [];

    /// <summary>Results per interval of the measured window, when <see cref="KeepSeries"/> was called.</summary>
    public IntervalSeries? Series { get; private set; }

    public void KeepSeries(SimTime interval) => Series ??= new IntervalSeries(interval);

    /// <summary>Called after each completed request (measured or not): for tracing one transaction, not for long runs.</summary>
    public Action? OnCompleted { get; set; }

    public void StartMeasuring()
    {
        Samples?.Clear();
        WarmUpEnd = _sim.Now;
        Latency.Reset();
        LatencyMicroseconds.Reset();
        Transactions = 0;
        BytesDelivered = 0;
        ConnectionsCompleted = 0;
        Lost = 0;
        Late = 0;
        DnsDelayed = 0;
        DnsFailed = 0;
        Array.Clear(_failures);
        InFlight.Reset(_sim.Now);
        Series?.Start(_sim.Now);
    }

    public void RequestStarted() => InFlight.Add(_sim.Now, 1);

    /// <summary>
    /// A request begun at <paramref name="start"/> got its whole response now. Counted if it completes in the
    /// measured window (so throughput is completions per second, as netperf counts them), even if it began in
    /// the warm-up.
    /// </summary>
    public void RequestCompleted(SimTime start)
    {
        InFlight.Add(_sim.Now, -1);
        if (_sim.Now >= WarmUpEnd)
        {
            var latency = _sim.Now - start;
            Latency.Record(latency);
            Samples?.Add(latency);
            Series?.Completed(_sim.Now, latency);
            LatencyMicroseconds.Add(latency.TotalMicroseconds);
            Transactions++;
        }

        OnCompleted?.Invoke();
    }

    public void RequestLost(SimTime start)
    {
        InFlight.Add(_sim.Now, -1);
        if (_sim.Now >= WarmUpEnd)
        {
            Lost++;
            Series?.RequestLost(_sim.Now);
        }
    }

    /// <summary>
    /// An answer came now for a request the client had given up on (<see cref="RequestLost"/> counted it when it
    /// did; a TCP client, which finds out only when the answer comes, calls both then).
    /// </summary>
    public void AnsweredLate()
    {
        if (_sim.Now >= WarmUpEnd)
        {
            Late++;
        }
    }

    /// <summary>Name lookups since the warm-up that waited out the resolver's timeout before their answer.</summary>
    public long DnsDelayed { get; private set; }

    /// <summary>Name lookups since the warm-up that failed: every try unanswered (a DNS failure).</summary>
    public long DnsFailed { get; private set; }

    /// <summary>A lookup completed now after at least one resolver timeout (its latency is recorded by <see cref="RequestCompleted"/>).</summary>
    public void LookupDelayed()
    {
        if (_sim.Now >= WarmUpEnd)
        {
            DnsDelayed++;
            Series?.LookupDelayed(_sim.Now);
        }
    }

    /// <summary>A lookup begun at <paramref name="start"/> failed now.</summary>
    public void LookupFailed(SimTime start)
    {
        InFlight.Add(_sim.Now, -1);
        if (_sim.Now >= WarmUpEnd)
        {
            DnsFailed++;
            Series?.LookupFailed(_sim.Now);
        }
    }

    /// <summary>Connections that failed with <paramref name="error"/> since the warm-up (refused, reset, timed out).</summary>
    public long Failures(Transport.Tcp.TcpError error) => _failures[(int)error];

    /// <summary>A connection ended with <paramref name="error"/> now (counted by the errno the client's call saw).</summary>
    public void ConnectionFailed(Transport.Tcp.TcpError error)
    {
        if (error != Transport.Tcp.TcpError.None && _sim.Now >= WarmUpEnd)
        {
            _failures[(int)error]++;
            Series?.Failed(_sim.Now, error);
        }
    }

    public void Delivered(long bytes)
    {
        if (_sim.Now >= WarmUpEnd)
        {
            BytesDelivered += bytes;
            Series?.Delivered(_sim.Now, bytes);
        }
    }

    public void ConnectionCompleted(SimTime start)
    {
        if (_sim.Now >= WarmUpEnd)
        {
            ConnectionsCompleted++;
        }
    }
}
