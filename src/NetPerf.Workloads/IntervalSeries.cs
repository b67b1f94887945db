using NetPerf.Engine.Time;
using NetPerf.Network.Stack;

namespace NetPerf.Workloads;

/// <summary>
/// A workload's results over time: per interval of the measured window (from the end of the warm-up), the requests
/// completed and their latencies, the requests lost, and the drops on every host by kernel reason.
/// </summary>
public sealed class IntervalSeries
{
    private static readonly int Reasons = Enum.GetValues<DropReason>().Length;
    private readonly List<List<long>> _latencies = [];
    private readonly List<long> _lost = [];
    private readonly List<long[]> _drops = [];
    private static readonly int Errors = Enum.GetValues<Transport.Tcp.TcpError>().Length;
    private readonly List<long[]> _failures = [];
    private readonly List<long[]> _cpu = [];
    private readonly List<long> _dnsDelayed = [];
    private readonly List<long> _dnsFailed = [];
    private readonly List<long> _delivered = [];

    /// <summary>The hosts whose CPU <see cref="Cpu"/> reports, in the runner's order.</summary>
    public IReadOnlyList<string> Hosts { get; private set; } = [];
    private long _startPs;

    public IntervalSeries(SimTime interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, SimTime.Zero);
        Interval = interval;
    }

    public SimTime Interval { get; }

    /// <summary>Intervals begun so far.</summary>
    public int Count => _latencies.Count;

    internal void Start(SimTime now)
    {
        _startPs = now.Picoseconds;
        _latencies.Clear();
        _lost.Clear();
        _drops.Clear();
        _failures.Clear();
        _cpu.Clear();
        _dnsDelayed.Clear();
        _dnsFailed.Clear();
        _delivered.Clear();
    }

    /// <summary>Payload bytes the receiving application got in interval <paramref name="i"/> (a stream's goodput).</summary>
    public long BytesDelivered(int i) => i < _delivered.Count ? _delivered[i] : 0;

    internal void Delivered(SimTime now, long bytes)
    {
        int i = Index(now);
        Grow(i);
        _delivered[i] += bytes;
    }

    /// <summary>Name lookups completed in interval <paramref name="i"/> after waiting out the resolver's timeout at least once.</summary>
    public long DnsDelayed(int i) => i < _dnsDelayed.Count ? _dnsDelayed[i] : 0;

    /// <summary>Name lookups that failed in interval <paramref name="i"/>: every try unanswered (getaddrinfo's EAI_AGAIN).</summary>
    public long DnsFailed(int i) => i < _dnsFailed.Count ? _dnsFailed[i] : 0;

    internal void LookupDelayed(SimTime now)
    {
        int i = Index(now);
        Grow(i);
        _dnsDelayed[i]++;
    }

    internal void LookupFailed(SimTime now)
    {
        int i = Index(now);
        Grow(i);
        _dnsFailed[i]++;
    }

    /// <summary>CPU busy on host <paramref name="host"/> (an index of <see cref="Hosts"/>) in interval <paramref name="i"/>, kernel and applications, all traffic (picoseconds).</summary>
    public long Cpu(int i, int host) => i < _cpu.Count && host < _cpu[i].Length ? _cpu[i][host] : 0;

    /// <summary>Every host's CPU in interval <paramref name="i"/>, recorded by the runner at its end.</summary>
    internal void SetCpu(int i, IReadOnlyList<string> hosts, long[] picoseconds)
    {
        Grow(i);
        Hosts = hosts;
        _cpu[i] = picoseconds;
    }

    /// <summary>Latencies (picoseconds) of the requests that completed in interval <paramref name="i"/>, in completion order.</summary>
    public IReadOnlyList<long> Latencies(int i) => i < _latencies.Count ? _latencies[i] : [];

    public long Lost(int i) => i < _lost.Count ? _lost[i] : 0;

    /// <summary>Packets dropped on every host for <paramref name="reason"/> in interval <paramref name="i"/> (all traffic, as the hosts count it).</summary>
    public long Drops(int i, DropReason reason) => i < _drops.Count ? _drops[i][(int)reason] : 0;

    /// <summary>Connections that failed with <paramref name="error"/> in interval <paramref name="i"/> (refused, reset, timed out).</summary>
    public long Failures(int i, Transport.Tcp.TcpError error) => i < _failures.Count ? _failures[i][(int)error] : 0;

    internal void Failed(SimTime now, Transport.Tcp.TcpError error)
    {
        int i = Index(now);
        Grow(i);
        _failures[i][(int)error]++;
    }

    internal void Completed(SimTime now, SimTime latency)
    {
        int i = Index(now);
        Grow(i);
        _latencies[i].Add(latency.Picoseconds);
    }

    internal void RequestLost(SimTime now)
    {
        int i = Index(now);
        Grow(i);
        _lost[i]++;
    }

    /// <summary>The drops counted on the hosts in interval <paramref name="i"/>, recorded by the runner at its end.</summary>
    internal void SetDrops(int i, long[] drops)
    {
        Grow(i);
        Array.Copy(drops, _drops[i], Reasons);
    }

    private int Index(SimTime now) => (int)((now.Picoseconds - _startPs) / Interval.Picoseconds);

    private void Grow(int i)
    {
        while (_latencies.Count <= i)
        {
            _latencies.Add([]);
            _lost.Add(0);
            _drops.Add(new long[Reasons]);
            _failures.Add(new long[Errors]);
            _cpu.Add([]);
            _dnsDelayed.Add(0);
            _dnsFailed.Add(0);
            _delivered.Add(0);
        }
    }
}
