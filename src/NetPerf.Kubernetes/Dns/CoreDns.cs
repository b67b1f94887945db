using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Dns;

/// <summary>
/// A CoreDNS pod: UDP port 53, one process that answers one query at a time on its core (recvfrom, the
/// service time, sendto). It knows the cluster zone (name.ns.svc.cluster.local for each Service it is told
/// of) and answers other names it was given as existing (what the forward plugin would get from upstream) or
/// NXDOMAIN. Caching is not modelled: every query costs the service time.
/// </summary>
public sealed class CoreDns : SerialDatagramServer
{
    /// <summary>
    /// CPU per query: measurements.md DNS-19, 33,669 queries/s for names inside the cluster with CoreDNS
    /// CPU-bound near 1.9 cores: 1.9 / 33,669 = 56 us per query.
    /// </summary>
    public static readonly SimTime DefaultServiceTime = SimTime.FromMicroseconds(56);

    private readonly Dictionary<string, IReadOnlyList<Ipv4Address>> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _queryNames = [];

    public CoreDns(Pod pod, string clusterDomain = "cluster.local", SimTime? serviceTime = null, int core = 0)
        : base(new UdpSocket(pod.Namespace, pod.Ip, 53, core))
    {
        Pod = pod;
        ClusterDomain = clusterDomain;
        QueryTime = serviceTime ?? DefaultServiceTime;
    }

    public Pod Pod { get; }
    public string ClusterDomain { get; }
    /// <summary>CPU per query on the server's core.</summary>
    public SimTime QueryTime { get; }

    public long QueriesA { get; private set; }
    public long QueriesAaaa { get; private set; }
    public long NxDomains { get; private set; }

    /// <summary>Serves name.namespace.svc.cluster.local: the Service's ClusterIP, or for a headless Service its pods' IPs.</summary>
    public void AddService(string name, string ns, params Ipv4Address[] addresses) => _names[$"{name}.{ns}.svc.{ClusterDomain}"] = addresses;

    /// <summary>A name outside the cluster that upstream resolvers know (example.com).</summary>
    public void AddExternal(string name, params Ipv4Address[] addresses) => _names[name.TrimEnd('.')] = addresses;

    /// <summary>The A records of a name this server answers for (empty if it would answer NXDOMAIN).</summary>
    internal IReadOnlyList<Ipv4Address> AddressesOf(string name) => _names.TryGetValue(name, out var a) ? a : [];

    /// <summary>The resolver's side of the wire: a query's name is registered here and travels as its number.</summary>
    /// <remarks>The answer's records are read from here too (by the name's number), as its payload would carry them.</remarks>
    internal int Register(string name)
    {
        _queryNames.Add(name);
        return _queryNames.Count - 1;
    }

    protected override SimTime ServiceTime(in Request request) => QueryTime;

    protected override void Answer(in Request request)
    {
        var (id, type, _) = DnsMessage.Read(request.ApplicationData);
        string name = _queryNames[id];
        if (type == DnsType.A)
        {
            QueriesA++;
        }
        else
        {
            QueriesAaaa++;
        }

        // Services have IPv4 ClusterIPs: A gets a record, AAAA an empty NOERROR; unknown names NXDOMAIN.
        bool exists = _names.TryGetValue(name, out var addresses);
        NxDomains += exists ? 0 : 1;
        int records = exists && type == DnsType.A ? addresses!.Count : 0;
        int bytes = DnsMessage.QueryBytes + DnsMessage.NameBytes(name) + (records * DnsMessage.AnswerRecordBytes);
        Socket.Send(request.Address, request.Port, bytes, applicationData: DnsMessage.Answer(request.ApplicationData, nxDomain: !exists));
    }
}
