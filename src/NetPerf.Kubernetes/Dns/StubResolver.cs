using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Dns;

/// <summary>The outcome of a lookup: whether the name resolved, after how many queries of each type, in how long.</summary>
public sealed record DnsLookup(string Name, bool Found, string? Answered, int QueriesPerType, SimTime Latency, IReadOnlyList<Ipv4Address> Addresses)
{
    /// <summary>How many times the resolver waited out its timeout (each adds <see cref="ResolvConf.Timeout"/>).</summary>
    public int Timeouts { get; init; }

    /// <summary>Every try of some name went unanswered: getaddrinfo fails (EAI_AGAIN), a DNS failure.</summary>
    public bool TimedOut { get; init; }
}

/// <summary>
/// A pod's resolver (glibc's stub resolver through /etc/resolv.conf; resolv/res_send.c send_dg): the search list and
/// ndots decide which names are tried in turn; for each, A and AAAA go out as <see cref="ResolvConf.Queries"/>
/// says, and the next name is tried only when both answers are in and neither has a record. A try waits
/// <see cref="ResolvConf.Timeout"/> (5 s) for its answers. If it times out holding one of the two, glibc
/// concludes the server cannot take two queries from one socket: it switches to single-request for good (it sets
/// RES_SNGLKUP in the resolver state) and retries at once, A and then AAAA; if that times out with one answer
/// again, single-request-reopen. A try with no answer at all counts against <see cref="ResolvConf.Attempts"/>;
/// when they are spent the lookup fails.
/// </summary>
/// <remarks>
/// The two parallel queries leave on the resolver's core and, when <see cref="SecondQueryCore"/> is set, the
/// second on another: the reported mechanism of kubernetes#56903 is two packets of one socket in the hooks on
/// two CPUs at once (6a757c07e51f's commit message draws it as CPU A and CPU B). Here it is a setting of the
/// caller; a real kernel lands them on two CPUs only some of the time.
/// </remarks>
public sealed class StubResolver : IDatagramReceiver, IEventHandler
{
    private readonly Pod _pod;
    private readonly CoreDns _server;
    private readonly int _core;
    private UdpSocket _socket;
    private Lookup? _active;
    private EventHandle _timer;
    private bool _timerSet;
    private bool _reopen;

    public StubResolver(Pod pod, ResolvConf conf, CoreDns server, Ipv4Address nameserver, int core = 0)
    {
        Conf = conf;
        Nameserver = nameserver;
        _pod = pod;
        _server = server;
        _core = core;
        SingleRequest = conf.Queries != ResolverQueries.Parallel;
        _reopen = conf.Queries == ResolverQueries.SingleRequestReopen;
        _socket = Open();
    }

    public ResolvConf Conf { get; }
    public Ipv4Address Nameserver { get; }

    /// <summary>The core that processes the second of two parallel queries (-1: the resolver's own).</summary>
    public int SecondQueryCore { get; init; } = -1;

    /// <summary>Stamped on the queries, so their CPU is counted to the workload that asked.</summary>
    public int FlowId { get; init; }

    /// <summary>A and AAAA one after the other: set by resolv.conf, or by glibc's fallback after a timeout with one answer in.</summary>
    public bool SingleRequest { get; private set; }

    /// <summary>getaddrinfo(): resolves <paramref name="name"/> and calls <paramref name="done"/> with the outcome.</summary>
    public void Resolve(string name, Action<DnsLookup> done)
    {
        if (_active is not null)
        {
            throw new InvalidOperationException("this resolver is already resolving a name; use one per concurrent lookup.");
        }

        _active = new Lookup(name, Conf.Candidates(name), done, Now);
        Try();
    }

    /// <summary>Closes the resolver's socket (the process exits).</summary>
    public void Close()
    {
        CancelTimer();
        _socket.Close();
    }

    private void CancelTimer()
    {
        if (_timerSet)
        {
            _pod.Namespace.Host.Sim.Cancel(_timer);
            _timerSet = false;
        }
    }

    private SimTime Now => _pod.Namespace.Host.Sim.Now;

    private UdpSocket Open() =>
        new(_pod.Namespace, _pod.Ip, _pod.Namespace.AllocateEphemeralPort(IpProtocol.Udp), _core) { Receiver = this };

    private void Reopen()
    {
        _socket.Close();
        _socket = Open();
    }

    /// <summary>One send_dg for the current name: its queries go out and the timeout starts.</summary>
    private void Try()
    {
        var lookup = _active!;
        lookup.Id = _server.Register(lookup.Candidates[lookup.Index]);
        lookup.GotA = lookup.GotAaaa = false;
        Send(DnsType.A, _core);
        if (!SingleRequest)
        {
            Send(DnsType.Aaaa, SecondQueryCore >= 0 ? SecondQueryCore : _core);
        }

        _timer = _pod.Namespace.Host.Sim.ScheduleAfter(Conf.Timeout, this);
        _timerSet = true;
    }

    private void Send(DnsType type, int core)
    {
        var lookup = _active!;
        string candidate = lookup.Candidates[lookup.Index];
        int bytes = DnsMessage.QueryBytes + DnsMessage.NameBytes(candidate);
        _socket.Send(Nameserver, 53, bytes, flowId: FlowId, applicationData: DnsMessage.Query(lookup.Id, type), core: core);
    }

    void IDatagramReceiver.OnDatagram(UdpSocket socket, in Packet datagram, SimTime now)
    {
        var lookup = _active;
        var (id, type, nx) = DnsMessage.Read(datagram.ApplicationData);
        if (lookup is null || id != lookup.Id || (type == DnsType.A ? lookup.GotA : lookup.GotAaaa))
        {
            return; // a late answer to an earlier try, or a duplicate
        }

        // An answer without records (NOERROR, no data: a headless Service with no pods) is not an answer to stop at.
        lookup.Found |= type == DnsType.A && !nx && _server.AddressesOf(lookup.Candidates[lookup.Index]).Count > 0;
        lookup.GotA |= type == DnsType.A;
        lookup.GotAaaa |= type == DnsType.Aaaa;
        if (!(lookup.GotA && lookup.GotAaaa))
        {
            if (SingleRequest)
            {
                if (_reopen)
                {
                    Reopen();
                }

                Send(DnsType.Aaaa, _core);
            }

            return;
        }

        CancelTimer();
        NextName(now);
    }

    private void NextName(SimTime now)
    {
        var lookup = _active!;
        lookup.Index++;
        lookup.Attempt = 0;
        if (lookup.Found || lookup.Index == lookup.Candidates.Count)
        {
            Finish(now, timedOut: false);
            return;
        }

        Try();
    }

    private void Finish(SimTime now, bool timedOut)
    {
        var lookup = _active!;
        _active = null;
        string? answered = lookup.Found ? lookup.Candidates[lookup.Index - 1] : null;
        lookup.Done(new DnsLookup(lookup.Name, lookup.Found, answered, lookup.Index, now - lookup.Start,
            answered is null ? [] : _server.AddressesOf(answered))
        {
            Timeouts = lookup.Timeouts,
            TimedOut = timedOut,
        });
    }

    /// <summary>The try's timeout: send_dg's poll() returned 0.</summary>
    void IEventHandler.OnEvent(int kind, long arg)
    {
        _timerSet = false;
        var lookup = _active;
        if (lookup is null)
        {
            return;
        }

        lookup.Timeouts++;
        if (lookup.GotA || lookup.GotAaaa)
        {
            // "If we time out after having received one answer switch to the mode where we send the second
            // request only once we have received the first answer" (send_dg), then to reopening the socket.
            if (!SingleRequest)
            {
                SingleRequest = true;
                Try();
                return;
            }

            if (!_reopen)
            {
                _reopen = true;
                Reopen();
                Try();
                return;
            }

            // Both fallbacks spent: send_dg returns the one answer it has.
            NextName(Now);
            return;
        }

        if (++lookup.Attempt < Conf.Attempts)
        {
            Try();
            return;
        }

        lookup.Index++;
        Finish(Now, timedOut: true);
    }

    private sealed class Lookup(string name, IReadOnlyList<string> candidates, Action<DnsLookup> done, SimTime start)
    {
        public string Name { get; } = name;
        public IReadOnlyList<string> Candidates { get; } = candidates;
        public Action<DnsLookup> Done { get; } = done;
        public SimTime Start { get; } = start;
        public int Index { get; set; }
        public int Attempt { get; set; }
        public int Id { get; set; }
        public bool GotA { get; set; }
        public bool GotAaaa { get; set; }
        public bool Found { get; set; }
        public int Timeouts { get; set; }
    }
}
