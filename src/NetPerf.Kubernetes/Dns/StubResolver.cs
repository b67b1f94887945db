using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Dns;

/// <summary>The outcome of a lookup: whether the name resolved, after how many queries of each type, in how long.</summary>
public sealed record DnsLookup(string Name, bool Found, string? Answered, int QueriesPerType, SimTime Latency, IReadOnlyList<Ipv4Address> Addresses);

/// <summary>
/// A pod's resolver (glibc's stub resolver through /etc/resolv.conf): the search list and ndots decide which
/// names are tried in turn; for each, A and AAAA go out together on one socket and the next name is tried only
/// when both answers are in and neither has a record. Timeouts and retries are not modelled (no loss expected
/// on the way to CoreDNS).
/// </summary>
public sealed class StubResolver : IDatagramReceiver
{
    private readonly UdpSocket _socket;
    private readonly CoreDns _server;
    private Lookup? _active;

    public StubResolver(Pod pod, ResolvConf conf, CoreDns server, Ipv4Address nameserver, int core = 0)
    {
        Conf = conf;
        Nameserver = nameserver;
        _server = server;
        _socket = new UdpSocket(pod.Namespace, pod.Ip, pod.Namespace.AllocateEphemeralPort(IpProtocol.Udp), core) { Receiver = this };
    }

    public ResolvConf Conf { get; }
    public Ipv4Address Nameserver { get; }

    /// <summary>getaddrinfo(): resolves <paramref name="name"/> and calls <paramref name="done"/> with the outcome.</summary>
    public void Resolve(string name, Action<DnsLookup> done)
    {
        if (_active is not null)
        {
            throw new InvalidOperationException("this resolver is already resolving a name; use one per concurrent lookup.");
        }

        _active = new Lookup(name, Conf.Candidates(name), done, _socket.Namespace.Host.Sim.Now);
        Ask();
    }

    private void Ask()
    {
        var lookup = _active!;
        string candidate = lookup.Candidates[lookup.Index];
        int id = _server.Register(candidate);
        lookup.Waiting = 2;
        lookup.Found = false;
        int bytes = DnsMessage.QueryBytes + DnsMessage.NameBytes(candidate);
        _socket.Send(Nameserver, 53, bytes, applicationData: DnsMessage.Query(id, DnsType.A));
        _socket.Send(Nameserver, 53, bytes, applicationData: DnsMessage.Query(id, DnsType.Aaaa));
    }

    void IDatagramReceiver.OnDatagram(UdpSocket socket, in Packet datagram, SimTime now)
    {
        var lookup = _active;
        if (lookup is null)
        {
            return;
        }

        var (_, type, nx) = DnsMessage.Read(datagram.ApplicationData);
        // An answer without records (NOERROR, no data: a headless Service with no pods) is not an answer to stop at.
        lookup.Found |= type == DnsType.A && !nx && _server.AddressesOf(lookup.Candidates[lookup.Index]).Count > 0;
        if (--lookup.Waiting > 0)
        {
            return;
        }

        lookup.Index++;
        if (lookup.Found || lookup.Index == lookup.Candidates.Count)
        {
            _active = null;
            string? answered = lookup.Found ? lookup.Candidates[lookup.Index - 1] : null;
            lookup.Done(new DnsLookup(lookup.Name, lookup.Found, answered, lookup.Index, now - lookup.Start,
                answered is null ? [] : _server.AddressesOf(answered)));
            return;
        }

        Ask();
    }

    private sealed class Lookup(string name, IReadOnlyList<string> candidates, Action<DnsLookup> done, SimTime start)
    {
        public string Name { get; } = name;
        public IReadOnlyList<string> Candidates { get; } = candidates;
        public Action<DnsLookup> Done { get; } = done;
        public SimTime Start { get; } = start;
        public int Index { get; set; }
        public int Waiting { get; set; }
        public bool Found { get; set; }
    }
}
