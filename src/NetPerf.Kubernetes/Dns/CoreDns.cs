using NetPerf.Engine.Scheduling;
using NetPerf.Engine.Time;
using NetPerf.Kubernetes.Cluster;
using NetPerf.Network.Addressing;
using NetPerf.Network.Cpu;
using NetPerf.Network.Packets;
using NetPerf.Network.Stack;

namespace NetPerf.Kubernetes.Dns;

/// <summary>
/// A CoreDNS pod: UDP port 53, a Go process whose goroutines answer queries on up to GOMAXPROCS cores at once
/// (recvfrom, the service time, sendto, each on the core of the thread serving it). It knows the cluster zone
/// (name.ns.svc.cluster.local for each Service it is told of) and answers other names it was given as existing
/// (what the forward plugin would get from upstream) or NXDOMAIN. The cache plugin (<see cref="DnsCache"/>, on
/// as in the default Corefile) keeps answers and denials for 30 s; a query it answers costs
/// <see cref="CacheHitTime"/>, one that reaches the kubernetes plugin (or forward) <see cref="QueryTime"/>.
/// The round trip to an upstream resolver for external names is not modelled: forward answers at once.
/// </summary>
public sealed class CoreDns : ThreadedDatagramServer
{
    /// <summary>
    /// CPU per query answered from the cache: measurements.md DNS-19, 33,669 queries/s for names inside the cluster
    /// with CoreDNS CPU-bound near 1.9 cores: 1.9 / 33,669 = 56 us per query. That test ran the default Corefile
    /// (<c>cache 30</c>) with dnsperf repeating a few names, so we take nearly all of its queries to have been
    /// cache hits (an assumption: Scaling_CoreDNS.md does not report its hit rate).
    /// </summary>
    public static readonly SimTime DefaultCacheHitTime = SimTime.FromMicroseconds(56);

    /// <summary>
    /// CPU per query that misses the cache and is answered by the kubernetes plugin: the hit's 56 us times 8/5,
    /// from coredns/coredns issue 648, where CoreDNS CPU-bound on the same machine served 8,000 queries/s with its
    /// cache and 5,000 without (so a plugin lookup costs 1.6 times a hit). That ratio was measured in 2017
    /// (CoreDNS 0.9); we assume it still holds.
    /// </summary>
    public static readonly SimTime DefaultServiceTime = SimTime.FromNanoseconds(56_000L * 8 / 5);

    // The zone and the wire's name numbers: shared by every replica (they watch the same API server).
    private readonly Dictionary<string, IReadOnlyList<Ipv4Address>> _names;
    private readonly List<string> _queryNames;
    private readonly bool[] _fromCache;

    /// <param name="serviceTime">CPU per query answered by the kubernetes plugin (a cache miss).</param>
    /// <param name="core">The core of the first thread; the others take the next ones.</param>
    /// <param name="goMaxProcs">
    /// GOMAXPROCS: how many threads run goroutines at once, so how many queries are served in parallel, on cores
    /// <paramref name="core"/> onwards. Go's own default is the node's core count (CoreDNS's manifest sets no CPU
    /// limit); 1 here keeps a single server core, as this model had before.
    /// </param>
    /// <param name="replicaOf">Another replica of the same Deployment (or a node-local cache in front of it): this one serves the same zone (its own cache).</param>
    /// <param name="listen">The address it answers from when not the pod's (NodeLocal DNSCache's link-local 169.254.20.10).</param>
    public CoreDns(Pod pod, string clusterDomain = "cluster.local", SimTime? serviceTime = null, int core = 0, int goMaxProcs = 1, CoreDns? replicaOf = null, Ipv4Address? listen = null)
        : base(new UdpSocket(pod.Namespace, listen ?? pod.Ip, 53, core), Cores(pod, core, goMaxProcs))
    {
        _names = replicaOf?._names ?? new(StringComparer.OrdinalIgnoreCase);
        _queryNames = replicaOf?._queryNames ?? [];
        Pod = pod;
        ClusterDomain = clusterDomain;
        QueryTime = serviceTime ?? DefaultServiceTime;
        _fromCache = new bool[goMaxProcs];
    }

    private static int[] Cores(Pod pod, int core, int goMaxProcs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(goMaxProcs, 1);
        int available = pod.Node.Host.Cores.Count;
        if (core + goMaxProcs > available)
        {
            throw new ArgumentOutOfRangeException(nameof(goMaxProcs), goMaxProcs,
                $"GOMAXPROCS {goMaxProcs} from core {core} needs cores {core} to {core + goMaxProcs - 1}; {pod.Node.Name} has {available}.");
        }

        return [.. Enumerable.Range(core, goMaxProcs)];
    }

    public Pod Pod { get; }
    public string ClusterDomain { get; }
    /// <summary>CPU per query that the cache could not answer.</summary>
    public SimTime QueryTime { get; }

    /// <summary>CPU per query answered from the cache.</summary>
    public SimTime CacheHitTime { get; init; } = DefaultCacheHitTime;

    /// <summary>The cache plugin; null for a Corefile without <c>cache</c>.</summary>
    public DnsCache? Cache { get; init; } = new();

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

    protected override SimTime ServiceTime(in Request request)
    {
        var (id, type, _) = DnsMessage.Read(request.ApplicationData);
        bool hit = Cache?.Lookup(_queryNames[id], type, Socket.Namespace.Host.Sim.Now) ?? false;
        _fromCache[ServingThread] = hit;
        return hit ? CacheHitTime : QueryTime;
    }

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
        if (!_fromCache[ServingThread])
        {
            Cache?.Store(name, type, denial: !exists || type == DnsType.Aaaa || addresses!.Count == 0, Socket.Namespace.Host.Sim.Now);
        }

        int records = exists && type == DnsType.A ? addresses!.Count : 0;
        int bytes = DnsMessage.QueryBytes + DnsMessage.NameBytes(name) + (records * DnsMessage.AnswerRecordBytes);
        Socket.Send(request.Address, request.Port, bytes, applicationData: DnsMessage.Answer(request.ApplicationData, nxDomain: !exists), core: ServingCore);
    }
}
